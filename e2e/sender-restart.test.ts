import { expect, test } from 'vitest';
import { freePort } from './support/free-port.js';
import {
  getDelivery,
  postEvents,
  startReceiver,
  startSender,
  WEBHOOK_PATH,
  waitFor,
} from './support/stack.js';
import { useServices } from './support/use-services.js';

const secret = 'e2e-restart-secret';
const { track, tempDir } = useServices();

test('a sender SIGKILLed between attempts resumes the delivery at its scheduled time after a restart', async () => {
  const dir = await tempDir();
  const receiverPort = await freePort();
  const timeScale = 0.05; // the first retry waits 3 s
  const sender = await track(
    startSender({ dir, secret, targetUrl: `http://127.0.0.1:${receiverPort}${WEBHOOK_PATH}`, timeScale }),
  );

  const { deliveries } = await postEvents(sender, { event: 'lead.completed' });
  const id = deliveries[0]?.id ?? '';
  const failedFirst = await waitFor('the first attempt to fail (no receiver yet)', async () => {
    const delivery = await getDelivery(sender, id);
    return delivery.attempts[0]?.error ? delivery : undefined;
  });
  expect(failedFirst.nextAttemptAt).not.toBeNull();

  await sender.kill();
  await track(startReceiver({ dir, secret, port: receiverPort }));
  await sender.start();

  const delivered = await waitFor('the delivery to succeed after the restart', async () => {
    const delivery = await getDelivery(sender, id);
    return delivery.state === 'succeeded' ? delivery : undefined;
  });
  // attempt 2 at the time stored before the crash: neither lost nor restarted from attempt 1
  expect(delivered.attempts.map((attempt) => attempt.n)).toEqual([1, 2]);
  expect(delivered.attempts[1]?.status).toBe(200);
  const [first, second] = delivered.attempts.map((attempt) => Date.parse(attempt.startedAt));
  const scheduled = Date.parse(failedFirst.nextAttemptAt ?? '');
  expect(second).toBeGreaterThanOrEqual(scheduled);
  expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(60_000 * timeScale);
});
