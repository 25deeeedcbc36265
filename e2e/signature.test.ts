import { createSignatureHeaders, DEFAULT_SECRET_HEADER } from '@omni-webhooks/contract';
import { WEBHOOK_EVENT_TYPES } from '@omni-webhooks/schema';
import { expect, test } from 'vitest';
import {
  getDelivery,
  postEvents,
  settledDeliveries,
  startReceiver,
  startSender,
  storedEvents,
  WEBHOOK_PATH,
} from './support/stack.js';
import { useServices } from './support/use-services.js';

// the secret travels in clear in its header; the signing key never leaves either side
const secret = 'e2e-header-secret-0123456789';
const signingKey = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const { track, tempDir } = useServices();

test('signature mode end to end: signed deliveries accepted, a replayed request refused', async () => {
  const dir = await tempDir();
  // the whsec_ key listed in WEBHOOK_SECRET too: a receiver from before WEBHOOK_SIGNING_KEYS checks
  // signatures with its secrets, a newer one takes the key from WEBHOOK_SIGNING_KEYS
  const receiver = await track(
    startReceiver({
      dir,
      secret: `${secret},${signingKey}`,
      env: { SIGNATURE_MODE: 'required', WEBHOOK_SIGNING_KEYS: signingKey },
    }),
  );
  const sender = await track(
    startSender({
      dir,
      secret,
      targetUrl: `${receiver.url}${WEBHOOK_PATH}`,
      timeScale: 0.01,
      env: { WEBHOOK_SIGNING: 'true', WEBHOOK_SIGNING_KEY: signingKey },
    }),
  );

  for (const event of WEBHOOK_EVENT_TYPES) {
    await postEvents(sender, { event });
  }
  const deliveries = await settledDeliveries(sender, WEBHOOK_EVENT_TYPES.length);
  expect(deliveries.map((delivery) => delivery.attempts.map((attempt) => attempt.status))).toEqual(
    WEBHOOK_EVENT_TYPES.map(() => [200]),
  );

  // an attacker who captured a delivery replays it ten minutes later: the signature is genuine,
  // but its timestamp is outside the 5-minute tolerance
  const captured = await getDelivery(sender, deliveries[0]?.id ?? '');
  const body = JSON.stringify(captured.payload);
  const replay = (timestamp: number, id: string) =>
    fetch(`${receiver.url}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [DEFAULT_SECRET_HEADER]: secret,
        ...createSignatureHeaders({ secret: signingKey, body, id, timestamp }),
      },
      body,
    });
  const now = Math.floor(Date.now() / 1000);
  const stale = await replay(now - 600, 'msg_replayed');
  expect(stale.status).toBe(401);
  expect(((await stale.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');

  // the same body re-signed under another message id within the dedupe window is the stored event
  // again, as is the capture stripped of its signature headers: answered, counted, never stored twice
  const again = await replay(now, 'msg_fresh');
  expect(again.status).toBe(200);
  expect(await (await replay(now, 'msg_fresh')).status).toBe(200);
  const stripped = await fetch(`${receiver.url}${WEBHOOK_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [DEFAULT_SECRET_HEADER]: secret },
    body,
  });
  // required mode: without its signature the capture is not let in at all
  expect(stripped.status).toBe(401);
  const stored = await storedEvents(receiver);
  expect(stored).toHaveLength(WEBHOOK_EVENT_TYPES.length);
  // the captured delivery's row counts it and the two re-signed copies; every other row one delivery
  expect(stored.map((event) => event.deliveryCount).sort()).toEqual([
    ...WEBHOOK_EVENT_TYPES.slice(1).map(() => 1),
    3,
  ]);
});
