import { afterEach, expect, test } from 'vitest';
import type { ServiceProcess } from './support/service-process.js';
import {
  postEvents,
  settledDeliveries,
  startReceiver,
  startSender,
  storedEvents,
  WEBHOOK_PATH,
  waitFor,
} from './support/stack.js';
import { withTempDir } from './support/temp-dir.js';

const secret = 'e2e-crash-secret';
const services: ServiceProcess[] = [];
let removeDir: (() => Promise<void>) | undefined;

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.stop()));
  await removeDir?.();
});

test('a receiver SIGKILLed mid-stream and restarted on the same database stores every event exactly once', async () => {
  const { dir, remove } = await withTempDir();
  removeDir = remove;
  const total = 300;
  const receiver = await startReceiver({ dir, secret });
  services.push(receiver);
  const sender = await startSender({
    dir,
    secret,
    targetUrl: `${receiver.url}${WEBHOOK_PATH}`,
    timeScale: 0.02,
  });
  services.push(sender);

  await postEvents(sender, { event: 'document.received', count: total });
  await waitFor('a part of the stream to be stored', async () => {
    const stored = (await storedEvents(receiver)).length;
    return stored >= total / 5 ? stored : undefined;
  });
  await receiver.kill();
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
