import { verifyWebhookSignature } from '@omni-webhooks/contract';
import { describe, expect, it } from 'vitest';
import { call, deliveryIds, settled, useSenderApi } from '../test-support/sender-api.js';

const SIGNING_KEY = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const { receiver, sender } = useSenderApi();

describe('signing keys apart from the secret', () => {
  it('signs an endpoint’s deliveries with its signingKey, sends only the secret, never shows the key', async () => {
    const target = await receiver();
    const { base } = await sender();
    const created = await call(base, 'POST', '/endpoints', {
      url: target.url,
      secret: 'header-secret',
      signingKey: SIGNING_KEY,
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ hasSecret: true, hasSigningKey: true, sign: true });
    const listed = await call(base, 'GET', '/endpoints');
    expect(`${created.text}${listed.text}`).not.toContain(SIGNING_KEY.slice(6));

    const posted = await call(base, 'POST', '/events', { event: 'lead.created' });
    const delivery = await settled(base, deliveryIds(posted.json)[0] ?? '');
    expect(delivery.state).toBe('succeeded');
    expect(JSON.stringify(delivery)).not.toContain(SIGNING_KEY.slice(6));
    const [request] = target.requests;
    expect(request?.headers['x-webhook-secret']).toBe('header-secret');
    const verify = (secrets: string[]) =>
      verifyWebhookSignature({ headers: request?.headers ?? {}, body: request?.body ?? '', secrets });
    expect(verify([SIGNING_KEY])).toMatchObject({ ok: true });
    // whoever captured the request holds the secret, and it does not sign
    expect(verify(['header-secret'])).toMatchObject({ ok: false, code: 'invalid_signature' });
  });

  it('signs the default endpoint with WEBHOOK_SIGNING_KEY', async () => {
    const target = await receiver();
    const { base } = await sender({
      TARGET_URL: target.url,
      WEBHOOK_SECRET: 'header-secret',
      WEBHOOK_SIGNING_KEY: SIGNING_KEY,
    });
    const posted = await call(base, 'POST', '/events', { event: 'lead.created' });
    await settled(base, deliveryIds(posted.json)[0] ?? '');
    const [request] = target.requests;
    expect(request?.headers['x-webhook-secret']).toBe('header-secret');
    expect(
      verifyWebhookSignature({
        headers: request?.headers ?? {},
        body: request?.body ?? '',
        secrets: [SIGNING_KEY],
      }),
    ).toMatchObject({ ok: true });
  });

  it('refuses signing without a key, and a key that is not whsec_ base64', async () => {
    const { base } = await sender();
    const plain = await call(base, 'POST', '/endpoints', {
      url: 'http://127.0.0.1:9/hook',
      secret: 'plain-secret',
      sign: true,
    });
    expect(plain.status).toBe(400);
    expect(plain.json).toMatchObject({
      error: { issues: [{ path: ['sign'], message: 'signing needs a signingKey (whsec_...)' }] },
    });
    const bad = await call(base, 'POST', '/endpoints', {
      url: 'http://127.0.0.1:9/hook',
      signingKey: 'whsec_c2hvcnQ=',
    });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { issues: [{ path: ['signingKey'] }] } });
    expect(bad.text).not.toContain('c2hvcnQ');
  });
});
