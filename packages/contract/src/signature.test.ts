import { describe, expect, it } from 'vitest';
import {
  createSignatureHeaders,
  SIGNATURE_HEADERS,
  SIGNATURE_TOLERANCE_SECONDS,
  signWebhook,
  verifyWebhookSignature,
} from './signature.js';

// the vector the standard webhooks reference libraries test `sign` with
// (standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts)
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const vectorHeaders = {
  'webhook-id': vector.id,
  'webhook-timestamp': String(vector.timestamp),
  'webhook-signature': vector.signature,
};

function verifyVector(overrides: Partial<Parameters<typeof verifyWebhookSignature>[0]> = {}) {
  return verifyWebhookSignature({
    headers: vectorHeaders,
    body: vector.body,
    secrets: [vector.secret],
    nowSeconds: vector.timestamp,
    ...overrides,
  });
}

describe('signWebhook', () => {
  it('reproduces the standard webhooks test vector', () => {
    expect(signWebhook(vector)).toBe(vector.signature);
  });

  it('signs bytes and the equivalent string alike', () => {
    expect(signWebhook({ ...vector, body: new TextEncoder().encode(vector.body) })).toBe(vector.signature);
  });

  it('uses a secret without the whsec_ prefix as utf-8 bytes', () => {
    const raw = signWebhook({ ...vector, secret: 'plain-secret' });
    expect(raw).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(raw).not.toBe(vector.signature);
  });

  it('refuses an empty secret', () => {
    expect(() => signWebhook({ ...vector, secret: '' })).toThrow(/must not be empty/);
    expect(() => signWebhook({ ...vector, secret: 'whsec_' })).toThrow(/base64 key/);
  });
});

describe('createSignatureHeaders', () => {
  it('returns the three headers for a given id and time', () => {
    expect(
      createSignatureHeaders({
        secret: vector.secret,
        body: vector.body,
        id: vector.id,
        timestamp: vector.timestamp,
      }),
    ).toEqual(vectorHeaders);
  });

  it('makes a fresh msg_ id and the current time by default, which verify', () => {
    const first = createSignatureHeaders({ secret: 'k', body: '{}' });
    const second = createSignatureHeaders({ secret: 'k', body: '{}' });
    expect(first[SIGNATURE_HEADERS.id]).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(first[SIGNATURE_HEADERS.id]).not.toBe(second[SIGNATURE_HEADERS.id]);
    expect(verifyWebhookSignature({ headers: first, body: '{}', secrets: ['k'] })).toMatchObject({
      ok: true,
    });
  });
});

describe('verifyWebhookSignature', () => {
  it('accepts the test vector', () => {
    expect(verifyVector()).toEqual({ ok: true, id: vector.id, timestamp: vector.timestamp });
  });

  it('accepts header names in any case and array values', () => {
    const headers = {
      'Webhook-Id': [vector.id],
      'WEBHOOK-TIMESTAMP': String(vector.timestamp),
      'webhook-signature': [vector.signature],
    };
    expect(verifyVector({ headers })).toMatchObject({ ok: true });
  });

  it('accepts one valid signature among several, and any secret of a rotation', () => {
    const headers = {
      ...vectorHeaders,
      'webhook-signature': `v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,abc ${vector.signature}`,
    };
    expect(verifyVector({ headers, secrets: ['whsec_b2xk', vector.secret] })).toMatchObject({ ok: true });
  });

  it('names each missing header', () => {
    const { 'webhook-id': _id, ...withoutId } = vectorHeaders;
    const result = verifyVector({ headers: withoutId });
    expect(result).toMatchObject({ ok: false, code: 'missing_headers' });
    expect(result.ok || result.message).toMatch(/webhook-id/);
    expect(verifyVector({ headers: { ...vectorHeaders, 'webhook-signature': '' } })).toMatchObject({
      code: 'missing_headers',
    });
  });

  it('refuses a timestamp that is not unix seconds', () => {
    for (const bad of ['hello', '-1', '1614265330.5', '']) {
      const result = verifyVector({ headers: { ...vectorHeaders, 'webhook-timestamp': bad } });
      expect(result.ok).toBe(false);
      expect(result.ok ? '' : result.code).toBe(bad === '' ? 'missing_headers' : 'invalid_timestamp');
    }
  });

  it('applies the 5-minute tolerance both ways', () => {
    // the documented value, written out: a test reading the constant would pass any tolerance
    const edge = 300;
    expect(SIGNATURE_TOLERANCE_SECONDS).toBe(edge);
    expect(verifyVector({ nowSeconds: vector.timestamp + edge })).toMatchObject({ ok: true });
    expect(verifyVector({ nowSeconds: vector.timestamp - edge })).toMatchObject({ ok: true });
    expect(verifyVector({ nowSeconds: vector.timestamp + edge + 1 })).toMatchObject({
      code: 'timestamp_too_old',
    });
    expect(verifyVector({ nowSeconds: vector.timestamp - edge - 1 })).toMatchObject({
      code: 'timestamp_too_new',
    });
    expect(verifyVector({ nowSeconds: vector.timestamp + 3600, toleranceSeconds: 3600 })).toMatchObject({
      ok: true,
    });
  });

  it('refuses a changed body, id, secret, a truncated or unversioned signature', () => {
    const cases = [
      verifyVector({ body: '{"test": 2432232315}' }),
      verifyVector({ headers: { ...vectorHeaders, 'webhook-id': 'msg_other' } }),
      verifyVector({ secrets: ['whsec_b3RoZXI='] }),
      verifyVector({ secrets: [] }),
      verifyVector({ headers: { ...vectorHeaders, 'webhook-signature': vector.signature.slice(0, 8) } }),
      verifyVector({ headers: { ...vectorHeaders, 'webhook-signature': 'v1,' } }),
      verifyVector({ headers: { ...vectorHeaders, 'webhook-signature': vector.signature.slice(3) } }),
      verifyVector({ headers: { ...vectorHeaders, 'webhook-signature': `v2,${vector.signature.slice(3)}` } }),
    ];
    for (const result of cases) {
      expect(result).toMatchObject({ ok: false, code: 'invalid_signature' });
    }
  });

  it('refuses other spellings of the same MAC bytes, as the reference libraries do', () => {
    const mac = vector.signature.slice(3);
    // 'E' -> 'F' changes only the unused low bits of the last character; node ignores '!' and padding
    const spellings = [mac.replace('1OE=', '1OF='), mac.slice(0, -1), `${mac.slice(0, 10)}!${mac.slice(10)}`];
    for (const spelling of spellings) {
      expect(Buffer.from(spelling, 'base64').equals(Buffer.from(mac, 'base64'))).toBe(true);
      const result = verifyVector({ headers: { ...vectorHeaders, 'webhook-signature': `v1,${spelling}` } });
      expect(result, spelling).toMatchObject({ ok: false, code: 'invalid_signature' });
    }
  });
});

describe('repeated signature headers', () => {
  it('accepts them as node joins them (", ") as well as space-separated', () => {
    const other = signWebhook({ ...vector, secret: 'whsec_b3RoZXIta2V5LW9mLWVub3VnaC1ieXRlcw==' });
    // the matching signature first: it is the one node's join leaves with a trailing comma
    for (const joined of [
      `${vector.signature}, ${other}`,
      `${vector.signature} ${other}`,
      [vector.signature, other],
    ]) {
      const result = verifyVector({ headers: { ...vectorHeaders, 'webhook-signature': joined } });
      expect(result.ok, String(joined)).toBe(true);
    }
  });
});
