import { createSignatureHeaders, generateSigningKey } from '@omni-webhooks/contract';
import { createFakeEvent } from '@omni-webhooks/schema/fixtures';
import { pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { SIGNATURE_MODES } from '../service/config.js';
import { type Harness, SECRETS, SIGNING_KEYS, startHarness } from '../test-support/receiver-harness.js';
import type { SignatureMode } from './authenticate.js';

// deliveries signed by the standard webhooks reference library, sent without the secret header
function referenceSigned(body: string, options: { key?: string; at?: Date; id?: string } = {}) {
  const at = options.at ?? new Date();
  const id = options.id ?? `msg_${Math.random().toString(36).slice(2)}`;
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(options.key ?? SIGNING_KEYS[0]).sign(id, at, body),
  };
}

const noSecret = { 'x-webhook-secret': '' };

describe.each([['optional'], ['required']])(
  'SIGNATURE_MODE=%s: a valid signature is a way in on its own',
  (mode) => {
    let harness: Harness;
    beforeAll(async () => {
      harness = await startHarness({ SIGNATURE_MODE: mode });
    });
    afterAll(() => harness.close());

    it('accepts a delivery the reference library signed with either rotation key, without the secret', async () => {
      for (const key of SIGNING_KEYS) {
        const body = JSON.stringify(createFakeEvent('document.received'));
        const { status, json } = await harness.post(body, { ...noSecret, ...referenceSigned(body, { key }) });
        expect([status, json.status]).toEqual([200, 'accepted']);
      }
    });

    it('refuses a tampered body, a stale timestamp, a key it does not hold, and neither credential', async () => {
      const body = JSON.stringify(createFakeEvent('lead.created'));
      const tampered = await harness.post(body.replace('{', '{ '), { ...noSecret, ...referenceSigned(body) });
      expect([tampered.status, tampered.json.error.code]).toEqual([401, 'invalid_signature']);
      const stale = await harness.post(body, {
        ...noSecret,
        ...referenceSigned(body, { at: new Date(Date.now() - 600_000) }),
      });
      expect([stale.status, stale.json.error.message]).toEqual([
        401,
        expect.stringContaining('timestamp_too_old'),
      ]);
      const wrongKey = await harness.post(body, {
        ...noSecret,
        ...referenceSigned(body, { key: generateSigningKey() }),
      });
      expect(wrongKey.status).toBe(401);
      expect((await harness.post(body, noSecret)).status).toBe(401);
      expect((await harness.admin('/events?type=lead.created')).json.events).toEqual([]);
    });

    it('refuses a wrong secret even when the signature is valid', async () => {
      const body = JSON.stringify(createFakeEvent('lead.updated'));
      for (const secret of ['wrong-secret-0123456789', SECRETS[0].slice(0, -1), `${SECRETS[1]}x`]) {
        const sent = await harness.post(body, { 'x-webhook-secret': secret, ...referenceSigned(body) });
        expect([sent.status, sent.json.error?.code], secret).toEqual([401, 'unauthorized']);
      }
      expect((await harness.admin('/events?type=lead.updated')).json.events).toEqual([]);
    });

    it('takes a signature up to 300 s old or ahead, and refuses one past it, both ways', async () => {
      // the documented 5 minutes, with a 2 s margin for the clock moving during the request
      const at = (offsetSeconds: number) => new Date(Date.now() + offsetSeconds * 1000);
      const send = async (offsetSeconds: number) => {
        const body = JSON.stringify(createFakeEvent('lead.created'));
        return (
          await harness.post(body, { ...noSecret, ...referenceSigned(body, { at: at(offsetSeconds) }) })
        ).json;
      };
      expect(await send(-298)).toMatchObject({ status: 'accepted' });
      expect(await send(298)).toMatchObject({ status: 'accepted' });
      expect((await send(-302)).error.message).toContain('timestamp_too_old');
      expect((await send(302)).error.message).toContain('timestamp_too_new');
    });

    it('refuses a present but invalid signature even with the right secret', async () => {
      const body = JSON.stringify(createFakeEvent('lead.updated'));
      const stale = referenceSigned(body, { at: new Date(Date.now() - 600_000) });
      expect((await harness.post(body, stale)).status).toBe(401);
      expect((await harness.post(body, referenceSigned(body, { key: generateSigningKey() }))).status).toBe(
        401,
      );
    });

    it('never lets a capture stripped of its webhook-* headers in as a new event', async () => {
      const body = JSON.stringify(createFakeEvent('document.extracted'));
      const signed = createSignatureHeaders({ secret: SIGNING_KEYS[0], body });
      const first = await harness.post(body, signed);
      expect(first.status).toBe(200);
      // the same request without its three signature headers, with the secret it carried
      const stripped = await harness.post(body);
      if (mode === 'required') {
        expect([stripped.status, stripped.json.error.code]).toEqual([401, 'invalid_signature']);
      } else {
        expect(stripped.json).toMatchObject({ status: 'duplicate', id: first.json.id });
      }
      expect((await harness.admin('/events?type=document.extracted')).json.events).toHaveLength(1);
    });
  },
);

describe('SIGNATURE_MODE=off and the start-up defaults', () => {
  it('off: the secret header is the only way in; signature headers are not looked at', async () => {
    const harness = await startHarness({ SIGNATURE_MODE: 'off' });
    try {
      const body = JSON.stringify(createFakeEvent('lead.created'));
      expect((await harness.post(body, { ...noSecret, ...referenceSigned(body) })).status).toBe(401);
      const stale = referenceSigned(body, { at: new Date(Date.now() - 600_000) });
      expect((await harness.post(body, stale)).status).toBe(200);
    } finally {
      await harness.close();
    }
  });

  it('with WEBHOOK_SIGNING_KEYS set and no SIGNATURE_MODE, an unsigned delivery is refused', async () => {
    const harness = await startHarness({ SIGNATURE_MODE: '' });
    try {
      const body = JSON.stringify(createFakeEvent('lead.created'));
      expect((await harness.post(body, { 'x-webhook-secret': SECRETS[0] })).status).toBe(401);
      expect((await harness.post(body, { ...noSecret, ...referenceSigned(body) })).status).toBe(200);
    } finally {
      await harness.close();
    }
  });

  it('a whsec_ value in WEBHOOK_SECRET still signs (one release), with a warning at start', async () => {
    const legacy = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
    const harness = await startHarness(
      { WEBHOOK_SECRET: legacy, WEBHOOK_SIGNING_KEYS: '', SIGNATURE_MODE: 'required' },
      { logger },
    );
    try {
      expect(warnings.join('\n')).toContain('WEBHOOK_SIGNING_KEYS');
      const body = JSON.stringify(createFakeEvent('lead.created'));
      const signed = createSignatureHeaders({ secret: legacy, body });
      expect((await harness.post(body, { 'x-webhook-secret': legacy, ...signed })).status).toBe(200);
    } finally {
      await harness.close();
    }
  });
});

describe('signature modes', () => {
  it('are the ones the service configures', () => {
    expectTypeOf<(typeof SIGNATURE_MODES)[number]>().toEqualTypeOf<SignatureMode>();
    expect([...SIGNATURE_MODES].sort()).toEqual(['off', 'optional', 'required']);
  });
});
