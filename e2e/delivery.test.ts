import { WEBHOOK_EVENT_TYPES } from '@omni-webhooks/schema';
import { describe, expect, test } from 'vitest';
import { freePort } from './support/free-port.js';
import { SlowProxy } from './support/slow-proxy.js';
import {
  getDelivery,
  postEvents,
  settledDeliveries,
  startReceiver,
  startSender,
  storedEvents,
  WEBHOOK_PATH,
  waitFor,
} from './support/stack.js';
import { useServices } from './support/use-services.js';

const secret = 'e2e-shared-secret';
const { track, tempDir, onCleanup } = useServices();

describe('the real mock sender against the real receiver', () => {
  test('every event type is delivered once, on the first attempt, stored and processed', async () => {
    const dir = await tempDir();
    const receiver = await track(startReceiver({ dir, secret }));
    const sender = await track(
      startSender({ dir, secret, targetUrl: `${receiver.url}${WEBHOOK_PATH}`, timeScale: 0.01 }),
    );

    for (const event of WEBHOOK_EVENT_TYPES) {
      await postEvents(sender, { event });
    }

    const deliveries = await settledDeliveries(sender, WEBHOOK_EVENT_TYPES.length);
    for (const delivery of deliveries) {
      expect(delivery.state).toBe('succeeded');
      expect(delivery.attempts.map((attempt) => attempt.status)).toEqual([200]);
    }
    const stored = await waitFor('every event processed', async () => {
      const events = await storedEvents(receiver);
      return events.length === WEBHOOK_EVENT_TYPES.length && events.every((e) => e.status === 'processed')
        ? events
        : undefined;
    });
    expect(stored.map((event) => event.type).sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());
    expect(stored.every((event) => event.deliveryCount === 1)).toBe(true);
  });

  test('a receiver that is down, then up, gets the event on the retry schedule', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const timeScale = 0.02;
    const sender = await track(
      startSender({ dir, secret, targetUrl: `http://127.0.0.1:${port}${WEBHOOK_PATH}`, timeScale }),
    );

    const { events, deliveries } = await postEvents(sender, { event: 'lead.created' });
    // the 202 names each event by id and type, without echoing its payload
    expect(events).toEqual([{ id: expect.stringMatching(/^msg_/), event: 'lead.created' }]);
    const id = deliveries[0]?.id ?? '';
    await waitFor('the first attempt to fail', async () => {
      const delivery = await getDelivery(sender, id);
      return delivery.attempts[0]?.error ? delivery : undefined;
    });
    const receiver = await track(startReceiver({ dir, secret, port }));

    const delivery = await waitFor('the delivery to succeed', async () => {
      const current = await getDelivery(sender, id);
      return current.state === 'succeeded' ? current : undefined;
    });
    const [first, ...rest] = delivery.attempts;
    expect(first?.status).toBeNull();
    expect(rest.at(-1)?.status).toBe(200);
    // waits of 1 and 2 minutes, scaled
    const started = delivery.attempts.map((attempt) => Date.parse(attempt.startedAt));
    const gaps = started.slice(1).map((time, index) => time - (started[index] ?? 0));
    // each wait at least its scheduled one, in the schedule's order (how soon is the bench's question)
    for (const [index, gap] of gaps.entries()) {
      expect(gap).toBeGreaterThanOrEqual(60_000 * 2 ** index * timeScale);
    }
    expect(await storedEvents(receiver)).toHaveLength(1);
  });

  test('a receiver slower than the timeout has the attempt abandoned and retried', async () => {
    const dir = await tempDir();
    const receiver = await track(startReceiver({ dir, secret }));
    // the first request is held past the (scaled) 5 s timeout, then forwarded: the receiver stores it
    // after the sender gave up, so the retry arrives as a duplicate of a stored event
    const timeoutMs = 500;
    const proxy = await SlowProxy.start({ target: receiver.url, delays: [timeoutMs + 3000] });
    onCleanup(() => proxy.close());
    const sender = await track(
      startSender({
        dir,
        secret,
        targetUrl: `${proxy.url}${WEBHOOK_PATH}`,
        timeScale: 0.01,
        env: { DELIVERY_TIMEOUT_MS: String(timeoutMs) },
      }),
    );

    await postEvents(sender, { event: 'document.extracted' });
    const [delivery] = await settledDeliveries(sender, 1);
    expect(delivery?.state).toBe('succeeded');
    expect(delivery?.attempts).toHaveLength(2);
    expect(delivery?.attempts[0]?.status).toBeNull();
    expect(delivery?.attempts[0]?.error).toMatch(/time/i);
    // aborted at the timeout, before the proxy answered (an answer would have been a status)
    expect(delivery?.attempts[0]?.durationMs).toBeGreaterThanOrEqual(timeoutMs);
    const stored = await waitFor('the held request to reach the receiver', async () => {
      const events = await storedEvents(receiver);
      return events[0]?.deliveryCount === 2 ? events : undefined;
    });
    expect(stored).toHaveLength(1);
  });

  test('different secrets: every attempt refused with 401, the delivery fails after 4 attempts, nothing stored', async () => {
    const dir = await tempDir();
    const receiver = await track(startReceiver({ dir, secret }));
    const sender = await track(
      startSender({
        dir,
        secret: 'not-the-receivers-secret',
        targetUrl: `${receiver.url}${WEBHOOK_PATH}`,
        timeScale: 0.01,
      }),
    );

    await postEvents(sender, { event: 'action_log.failed' });
    const [delivery] = await settledDeliveries(sender, 1);
    expect(delivery?.state).toBe('failed');
    expect(delivery?.attempts.map((attempt) => attempt.status)).toEqual([401, 401, 401, 401]);
    expect(await storedEvents(receiver)).toEqual([]);
  });
});
