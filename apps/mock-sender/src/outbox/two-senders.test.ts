import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHeldTarget } from '../console/test-support/held-target.js';
import { type AttemptReport, DeliveryEngine } from '../delivery/delivery-engine.js';
import { openDatabase, type SqliteDatabase } from './database.js';
import { Outbox } from './outbox.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

function engineOn(db: SqliteDatabase): { outbox: Outbox; engine: DeliveryEngine; reports: AttemptReport[] } {
  const outbox = new Outbox(db);
  // waits of 60, 120, 240 ms
  const engine = new DeliveryEngine({
    outbox,
    timeoutMs: 10_000,
    retryTimeScale: 0.001,
    successRule: '200',
    concurrency: 4,
    endpointConcurrency: 4,
  });
  const reports: AttemptReport[] = [];
  engine.on('attempt', (report) => reports.push(report));
  return { outbox, engine, reports };
}

describe('two engines on one outbox file (ownership bypassed)', () => {
  it('drops the outcome of an attempt the other engine recovered as interrupted, instead of overwriting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omni-two-senders-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const target = await startHeldTarget();
    cleanups.push(() => target.close());
    const dbA = openDatabase(`file:${join(dir, 'sender.sqlite')}`);
    const dbB = openDatabase(`file:${join(dir, 'sender.sqlite')}`);
    cleanups.push(
      () => void dbA.close(),
      () => void dbB.close(),
    );
    const a = engineOn(dbA);
    const [delivery] = a.outbox.enqueue(
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
    a.engine.schedule(id);
    const first = await target.next();

    // a second process starts on the same file while attempt 1 is in flight
    const b = engineOn(dbB);
    b.engine.resume();
    const second = await target.next();
    first.respond(200, 'late answer to attempt 1');
    await a.engine.idle();
    second.respond(200, 'ok');
    await b.engine.idle();

    expect(a.reports).toEqual([]);
    expect(b.reports.map((report) => [report.n, report.outcome.status])).toEqual([[2, 200]]);
    expect(b.outbox.get(id)).toMatchObject({
      state: 'succeeded',
      attempts: [
        { n: 1, status: null, error: 'sender stopped during the attempt' },
        { n: 2, status: 200, responseBody: 'ok' },
      ],
    });
    expect(target.received).toBe(2);
  });
});
