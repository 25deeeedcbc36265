import { createFakeEvent } from '@omni-webhooks/schema/fixtures';
import { describe, expect, it, vi } from 'vitest';
import { holdDelivery } from '../test-support/held-request.js';
import { SECRETS, startHarness } from '../test-support/receiver-harness.js';

describe('receiver shutdown', () => {
  it('shares one SHUTDOWN_TIMEOUT_MS between a stuck request and a stuck handler', async () => {
    let handlerStarted = false;
    const harness = await startHarness(
      { SHUTDOWN_TIMEOUT_MS: '1500' },
      {
        configure: (receiver) =>
          receiver.onAny(async () => {
            handlerStarted = true;
            await new Promise(() => {});
          }),
      },
    );
    await harness.post(JSON.stringify(createFakeEvent('lead.created')));
    await expect.poll(() => handlerStarted).toBe(true);
    // an authenticated request whose body never finishes keeps server.close() waiting until the deadline
    const order: string[] = [];
    // the server's side of the connection: closed when the deadline cuts it
    harness.server.once('connection', (serverSide) =>
      serverSide.once('close', () => order.push('request cut')),
    );
    const socket = await holdDelivery(Number(new URL(harness.url).port), SECRETS[0]);
    const stopHandlers = harness.receiver.stop;
    const stop = vi.spyOn(harness.receiver, 'stop').mockImplementation((timeoutMs) => {
      order.push('handlers stopped');
      return stopHandlers(timeoutMs);
    });
    await harness.close();
    socket.destroy();
    // one shared deadline: the stuck request used it up, so the handlers get what is left of it,
    // never a SHUTDOWN_TIMEOUT_MS of their own (a deadline each would hand them 1500 ms)
    expect(order.sort()).toEqual(['handlers stopped', 'request cut']);
    expect(stop).toHaveBeenCalledTimes(1);
    expect(stop.mock.calls[0]?.[0]).toBeLessThan(750);
  });
});
