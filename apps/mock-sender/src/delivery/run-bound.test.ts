import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../outbox/database.js';
import { type DeliveryTarget, Outbox } from '../outbox/outbox.js';
import { startTestReceiver } from '../test-support/test-receiver.js';
import { DeliveryEngine } from './delivery-engine.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

const failed = { durationMs: 1, status: 500, error: null, responseBody: null };

function setup(options: { concurrency: number; endpointConcurrency: number; runsPerSlot: number }) {
  const db: SqliteDatabase = openDatabase('file::memory:');
  const outbox = new Outbox(db);
  const engine = new DeliveryEngine({
    outbox,
    timeoutMs: 300,
    retryTimeScale: 1,
    successRule: '200',
    ...options,
  });
  cleanups.push(async () => {
    await engine.stop();
    db.close();
  });
  // the most runs in memory at any attempt
  let peak = 0;
  engine.on('attempt', () => {
    peak = Math.max(peak, engine.runningCount);
  });
  return { db, outbox, engine, peak: () => Math.max(peak, engine.runningCount) };
}

function target(endpointId: string, url: string): DeliveryTarget {
  return { endpointId, url, secret: undefined, secretHeader: 'x-webhook-secret', sign: false };
}

/** `count` deliveries whose first attempt failed and whose retry is due at `dueAt`, parked as after a restart */
function seedDue(outbox: Outbox, to: DeliveryTarget, count: number, dueAt: number, prefix: string): string[] {
  return outbox.transaction(() =>
    outbox
      .enqueue(
        Array.from({ length: count }, (_, n) => ({ id: `${prefix}_${n}`, type: 'lead.created', body: '{}' })),
        () => [to],
        0,
      )
      .map((delivery) => {
        outbox.beginAttempt(delivery.id, 1, 0);
        outbox.finishAttempt(
          delivery.id,
          1,
          failed,
          { state: 'pending', nextAttemptAt: dueAt, parked: true },
          0,
        );
        return delivery.id;
      }),
  );
}

describe('runs held in memory are bounded', () => {
  it('wakes only as many due retries as there are free runs, the rest as runs end', async () => {
    const receiver = await startTestReceiver();
    cleanups.push(() => receiver.close());
    const { outbox, engine, peak } = setup({ concurrency: 2, endpointConcurrency: 2, runsPerSlot: 3 });
    seedDue(outbox, target('ep', receiver.url), 300, 0, 'msg');
    engine.resume();
    await engine.idle();
    expect(engine.maxRuns).toBe(6);
    expect(peak()).toBeLessThanOrEqual(6);
    expect(receiver.requests).toHaveLength(300);
    expect(outbox.list({ state: 'succeeded', limit: 1000 }).deliveries).toHaveLength(300);
  });

  it('wakes parked deliveries to an endpoint at its share as its runs end', async () => {
    const receiver = await startTestReceiver();
    cleanups.push(() => receiver.close());
    const { outbox, engine, peak } = setup({ concurrency: 8, endpointConcurrency: 2, runsPerSlot: 2 });
    const events = Array.from({ length: 100 }, (_, n) => ({
      id: `msg_${n}`,
      type: 'lead.created',
      body: '{}',
    }));
    engine.scheduleAll(
      outbox.enqueue(events, () => [target('ep', receiver.url)], Date.now()).map((d) => d.id),
    );
    expect(engine.runningCount).toBe(4);
    await engine.idle();
    expect(peak()).toBeLessThanOrEqual(4);
    expect(receiver.requests).toHaveLength(100);
  });

  it('parks new deliveries beyond the bound instead of starting them', async () => {
    const receiver = await startTestReceiver();
    cleanups.push(() => receiver.close());
    const { outbox, engine, peak } = setup({ concurrency: 4, endpointConcurrency: 4, runsPerSlot: 2 });
    const events = Array.from({ length: 500 }, (_, n) => ({
      id: `msg_${n}`,
      type: 'lead.created',
      body: '{}',
    }));
    const ids = outbox.enqueue(events, () => [target('ep', receiver.url)], Date.now()).map((d) => d.id);
    engine.scheduleAll(ids);
    expect(engine.runningCount).toBe(8);
    expect(outbox.dueParked(Date.now(), 1000)).toHaveLength(492);
    await engine.idle();
    expect(peak()).toBeLessThanOrEqual(8);
    expect(receiver.requests).toHaveLength(500);
  });

  it('keeps waking due retries to other endpoints while one endpoint hangs with a larger backlog due first', async () => {
    const hanging = await startTestReceiver(() => 'hang');
    const healthy = await startTestReceiver();
    cleanups.push(
      () => hanging.close(),
      () => healthy.close(),
    );
    const { outbox, engine } = setup({ concurrency: 4, endpointConcurrency: 2, runsPerSlot: 2 });
    seedDue(outbox, target('hanging', hanging.url), 200, 0, 'stuck');
    const others = seedDue(outbox, target('healthy', healthy.url), 20, 1, 'fine');
    const settled: string[] = [];
    engine.on('settled', (report) => settled.push(report.deliveryId));
    engine.resume();
    const started = performance.now();
    while (others.some((id) => !settled.includes(id))) {
      if (performance.now() - started > 5000) throw new Error(`${settled.length} settled within 5 s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // the hanging endpoint held its share (2 × 2 runs), never the whole bound of 8: the healthy ones
    // did not wait for its 200 deliveries to time out two at a time (30 s)
    expect(healthy.requests).toHaveLength(20);
    expect(hanging.requests.length).toBeLessThan(200);
  });
});
