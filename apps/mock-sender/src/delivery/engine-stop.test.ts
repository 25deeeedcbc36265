import { afterEach, describe, expect, it } from 'vitest';
import { startHeldTarget } from '../console/test-support/held-target.js';
import { openDatabase } from '../outbox/database.js';
import { Outbox } from '../outbox/outbox.js';
import { DeliveryEngine } from './delivery-engine.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

describe('DeliveryEngine.stop() during an attempt', () => {
  it('lets the request in flight finish and records it, leaving the delivery resumable', async () => {
    const target = await startHeldTarget();
    cleanups.push(() => target.close());
    const db = openDatabase('file::memory:');
    cleanups.push(() => void db.close());
    const outbox = new Outbox(db);
    const engineOptions = {
      outbox,
      timeoutMs: 10_000,
      // a 60 ms wait after the first attempt: held in memory by the run, cancelled by stop()
      retryTimeScale: 0.001,
      successRule: '200' as const,
      concurrency: 4,
      endpointConcurrency: 4,
    };
    const engine = new DeliveryEngine(engineOptions);
    const [delivery] = outbox.enqueue(
      [{ id: 'msg_1', type: 'lead.created', body: '{"event":"lead.created"}' }],
      () => [
        {
          endpointId: 'ep',
          url: target.url,
          secret: undefined,
          secretHeader: 'x-webhook-secret',
          sign: false,
        },
      ],
      Date.now(),
    );
    const id = delivery?.id ?? '';
    engine.schedule(id);
    const first = await target.next();

    let stopped = false;
    const stopping = engine.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // still waiting for the request in flight: it is not cut off
    expect(stopped).toBe(false);
    expect(outbox.get(id)?.state).toBe('in_flight');
    first.respond(503, 'busy');
    await stopping;

    expect(engine.runningCount).toBe(0);
    expect(outbox.get(id)).toMatchObject({
      state: 'pending',
      nextAttemptAt: expect.any(String),
      attempts: [{ n: 1, status: 503, error: null, responseBody: 'busy' }],
    });
    // no retry was sent after the stop
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(target.received).toBe(1);

    // the next start picks it up at its stored time and continues with attempt 2
    const restarted = new DeliveryEngine(engineOptions);
    restarted.resume();
    (await target.next()).respond(200, 'ok');
    await restarted.idle();
    expect(outbox.get(id)).toMatchObject({
      state: 'succeeded',
      attempts: [
        { n: 1, status: 503 },
        { n: 2, status: 200 },
      ],
    });
  });
});
