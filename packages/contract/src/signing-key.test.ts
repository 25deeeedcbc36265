import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { createSignatureHeaders, verifyWebhookSignature } from './signature.js';
import {
  generateSigningKey,
  isSigningKey,
  MIN_SIGNING_KEY_BYTES,
  parseSigningKeys,
  signingKeyProblem,
} from './signing-key.js';

describe('signing keys', () => {
  it('generates whsec_ keys of 32 random bytes, each different', () => {
    const key = generateSigningKey();
    expect(key).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(key.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(isSigningKey(key)).toBe(true);
    expect(generateSigningKey()).not.toBe(key);
  });

  it('refuses what is not a whsec_ base64 key of enough bytes', () => {
    expect(signingKeyProblem('a-plain-secret-of-some-length')).toContain('starts with whsec_');
    expect(signingKeyProblem('whsec_not base64!')).toContain('base64');
    expect(
      signingKeyProblem(`whsec_${Buffer.alloc(MIN_SIGNING_KEY_BYTES - 1).toString('base64')}`),
    ).toContain(`at least ${MIN_SIGNING_KEY_BYTES} bytes`);
    expect(isSigningKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBe(true);
  });

  it('parses a comma-separated rotation list, naming a bad key by position only', () => {
    const [a, b] = [generateSigningKey(), generateSigningKey()];
    expect(parseSigningKeys(` ${a} ,, ${b} `)).toEqual([a, b]);
    expect(parseSigningKeys(undefined)).toEqual([]);
    expect(() => parseSigningKeys(`${a},whsec_c2hvcnQ=`)).toThrow(/signing key 2: .*at least 16 bytes/);
    expect(() => parseSigningKeys('leaked-secret-value')).not.toThrow(/leaked-secret-value/);
  });
});

describe('interoperability with the standardwebhooks reference library', () => {
  const body = '{"event":"lead.created","leadId":"ld_1"}';

  it('verifies what the reference library signs, and refuses a tampered body or another key', () => {
    const key = generateSigningKey();
    const at = new Date();
    const headers = {
      'webhook-id': 'msg_ref_1',
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(key).sign('msg_ref_1', at, body),
    };
    expect(verifyWebhookSignature({ headers, body, secrets: [key] }).ok).toBe(true);
    expect(verifyWebhookSignature({ headers, body: `${body} `, secrets: [key] })).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
    expect(verifyWebhookSignature({ headers, body, secrets: [generateSigningKey()] }).ok).toBe(false);
  });

  it('signs what the reference library verifies (what the mock sender sends)', () => {
    const key = generateSigningKey();
    const headers = createSignatureHeaders({ secret: key, body });
    expect(new Webhook(key).verify(body, headers)).toEqual(JSON.parse(body));
    // another key, a tampered body and a stale timestamp are refused by the reference library too
    expect(() => new Webhook(generateSigningKey()).verify(body, headers)).toThrow();
    expect(() => new Webhook(key).verify(`${body} `, headers)).toThrow();
    const stale = createSignatureHeaders({
      secret: key,
      body,
      timestamp: Math.floor(Date.now() / 1000) - 600,
    });
    expect(() => new Webhook(key).verify(body, stale)).toThrow(/too old/i);
  });
});
