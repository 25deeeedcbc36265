import { expect, test } from 'vitest';
import {
  postEvents,
  settledDeliveries,
  startReceiver,
  startSender,
  storedEvents,
  WEBHOOK_PATH,
  waitFor,
} from './support/stack.js';
import { useServices } from './support/use-services.js';

const secret = 'e2e-crash-secret';
const { track, tempDir } = useServices();

test('a receiver SIGKILLed mid-stream and restarted on the same database stores every event exactly once', async () => {
  const dir = await tempDir();
  const total = 400;
  // the default 60 s lease: the restarted receiver releases the killed one's leases when it starts
  const receiver = await track(startReceiver({ dir, secret }));
  const sender = await track(
    startSender({
      dir,
      secret,
      targetUrl: `${receiver.url}${WEBHOOK_PATH}`,
      timeScale: 0.02,
      // a narrow stream, so the kill lands in the middle of it
      env: { DELIVERY_CONCURRENCY: '2', ENDPOINT_CONCURRENCY: '2' },
    }),
  );

  await postEvents(sender, { event: 'document.received', count: total });
  const storedAtKill = await waitFor('a part of the stream to be stored', async () => {
    const stored = (await storedEvents(receiver)).length;
    return stored >= total / 5 ? stored : undefined;
  });
  await receiver.kill();
  expect(storedAtKill).toBeLessThan(total);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await receiver.start();

  const deliveries = await settledDeliveries(sender, total, 90_000);
  expect(deliveries.filter((delivery) => delivery.state !== 'succeeded')).toEqual([]);
  // the crash cost some deliveries an attempt: the sender retried them on its schedule
  expect(deliveries.some((delivery) => delivery.attempts.length > 1)).toBe(true);

  const stored = await waitFor('every event processed', async () => {
    const events = await storedEvents(receiver);
    return events.length === total && events.every((event) => event.status === 'processed')
      ? events
      : undefined;
  });
  expect(new Set(stored.map((event) => event.dedupeKey)).size).toBe(total);
});
