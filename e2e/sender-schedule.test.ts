import { DEFAULT_SECRET_HEADER, MAX_ATTEMPTS, retryDelayMs } from '@omni-webhooks/contract';
import { expect, test } from 'vitest';
import { ScriptedEndpoint } from './support/scripted-endpoint.js';
import { getDelivery, postEvents, startSender, waitFor } from './support/stack.js';
import { useServices } from './support/use-services.js';

const secret = 'e2e-schedule-secret';
const { track, tempDir, onCleanup } = useServices();

test('an endpoint failing 3 times then answering 200 sees 4 identical POSTs on the scaled 1/2/4-minute schedule', async () => {
  const timeScale = 0.01;
  const endpoint = await ScriptedEndpoint.start([500, 500, 500, 200]);
  onCleanup(() => endpoint.close());
  const sender = await track(
    startSender({ dir: await tempDir(), secret, targetUrl: endpoint.url, timeScale }),
  );

  const { deliveries } = await postEvents(sender, { event: 'document.received' });
  const delivery = await waitFor('the delivery to succeed', async () => {
    const current = await getDelivery(sender, deliveries[0]?.id ?? '');
    return current.state === 'succeeded' ? current : undefined;
  });

  expect(endpoint.requests).toHaveLength(MAX_ATTEMPTS);
  for (const request of endpoint.requests) {
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers[DEFAULT_SECRET_HEADER]).toBe(secret);
    expect(request.body).toBe(endpoint.requests[0]?.body);
  }
  const gaps = endpoint.requests
    .slice(1)
    .map((request, index) => request.at - (endpoint.requests[index]?.at ?? 0));
  gaps.forEach((gap, index) => {
    const wait = retryDelayMs(index + 1) * timeScale; // 600, 1200, 2400 ms
    expect(gap).toBeGreaterThanOrEqual(wait);
  });
  // the schedule's order: each wait longer than the one before (speed is the bench's, not a test's)
  expect(gaps).toEqual([...gaps].sort((a, b) => a - b));
  expect(delivery.attempts.map((attempt) => attempt.status)).toEqual([500, 500, 500, 200]);
});
