import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from './database.js';
import { type DeliveryTarget, Outbox } from './outbox.js';

const target: DeliveryTarget = {
  endpointId: 'ep',
  url: 'http://127.0.0.1:9/hook',
  secret: undefined,
  secretHeader: 'x-webhook-secret',
  sign: false,
};
const failed = { durationMs: 1, status: 500, error: null, responseBody: null };

let db: SqliteDatabase;
let outbox: Outbox;

function enqueue(count: number): string[] {
  const events = Array.from({ length: count }, (_, n) => ({
    id: `msg_${n}`,
    type: 'lead.created',
    body: '{}',
  }));
  return outbox.enqueue(events, () => [target], 0).map((delivery) => delivery.id);
}

function fail(id: string, n: number, nextAttemptAt: number, parked: boolean): void {
  outbox.beginAttempt(id, n, 0);
  outbox.finishAttempt(id, n, failed, { state: 'pending', nextAttemptAt, parked }, 0);
}

beforeEach(() => {
  db = openDatabase('file::memory:');
  outbox = new Outbox(db);
});
afterEach(() => db.close());

describe('outbox: parked deliveries', () => {
  it("finds due parked deliveries soonest first, up to the limit, other endpoints' only if asked, until unparked", () => {
    const [a, b, c, held] = enqueue(4) as [string, string, string, string];
    fail(a, 1, 300, true);
    fail(b, 1, 100, true);
    fail(c, 1, 200, true);
    fail(held, 1, 50, false);
    expect(outbox.earliestParked()).toBe(100);
    expect(outbox.dueParked(250, 1).map((schedule) => schedule.id)).toEqual([b]);
    expect(outbox.dueParked(250, 10).map((schedule) => schedule.id)).toEqual([b, c]);
    expect(outbox.dueParked(250, 10, ['ep'])).toEqual([]);
    expect(outbox.earliestParked(['ep'])).toBeUndefined();
    outbox.unpark([b, c]);
    expect(outbox.dueParked(250, 10)).toEqual([]);
    expect(outbox.earliestParked()).toBe(300);
    expect(outbox.dueParked(1000, 10)).toMatchObject([
      { id: a, state: 'pending', attemptCount: 1, nextAttemptAt: 300, parked: true },
    ]);
    outbox.unpark([a]);
    expect(outbox.earliestParked()).toBeUndefined();
  });

  it('parks every pending delivery on start, in flight ones aside', () => {
    const [fresh, waiting, inFlight] = enqueue(3) as [string, string, string];
    fail(waiting, 1, 60_000, false);
    outbox.beginAttempt(inFlight, 1, 0);
    outbox.parkPending();
    expect(outbox.schedule(fresh)?.parked).toBe(true);
    expect(outbox.schedule(waiting)?.parked).toBe(true);
    expect(outbox.interruptedSchedules().map((schedule) => schedule.id)).toEqual([inFlight]);
    expect(outbox.openCount()).toBe(3);
    expect(outbox.dueParked(0, 10).map((schedule) => schedule.id)).toEqual([fresh]);
  });

  it('finds due and earliest parked deliveries through the partial index, without a sort', () => {
    const plan = (sql: string, ...params: number[]) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
        .map((row) => row.detail)
        .join('\n');
    const due = plan(
      `SELECT seq FROM deliveries WHERE state = 'pending' AND parked = 1 AND next_attempt_at <= ?
         ORDER BY next_attempt_at, seq LIMIT ?`,
      0,
      10,
    );
    const earliest = plan(
      `SELECT next_attempt_at FROM deliveries WHERE state = 'pending' AND parked = 1
         ORDER BY next_attempt_at, seq LIMIT 1`,
    );
    const dueElsewhere = plan(
      `SELECT seq FROM deliveries WHERE state = 'pending' AND parked = 1 AND next_attempt_at <= ?
         AND endpoint_id NOT IN (SELECT value FROM json_each('["ep"]')) ORDER BY next_attempt_at, seq LIMIT ?`,
      0,
      10,
    );
    for (const detail of [due, earliest, dueElsewhere]) {
      expect(detail).toMatch(/USING COVERING INDEX deliveries_parked_due/);
      expect(detail).not.toMatch(/TEMP B-TREE/);
    }
  });
});

describe('outbox: attempt writes are conditional', () => {
  const ok = { durationMs: 1, status: 200, error: null, responseBody: 'ok' };
  const interrupted = {
    durationMs: 0,
    status: null,
    error: 'sender stopped during the attempt',
    responseBody: null,
  };

  it('ignores the outcome of an attempt that was recovered as interrupted meanwhile', () => {
    const [id] = enqueue(1) as [string];
    expect(outbox.beginAttempt(id, 1, 0)).toBe(true);
    // another process took the in-flight attempt for an interrupted one
    expect(
      outbox.finishAttempt(id, 1, interrupted, { state: 'pending', nextAttemptAt: 60_000, parked: true }, 5),
    ).toBe(true);
    expect(outbox.finishAttempt(id, 1, ok, { state: 'succeeded' }, 10)).toBe(false);
    expect(outbox.get(id)).toMatchObject({
      state: 'pending',
      attempts: [{ n: 1, status: null, error: 'sender stopped during the attempt' }],
    });
  });

  it('begins only the attempt after the stored one, of a pending delivery', () => {
    const [id] = enqueue(1) as [string];
    expect(outbox.beginAttempt(id, 2, 0)).toBe(false);
    expect(outbox.beginAttempt(id, 1, 0)).toBe(true);
    expect(outbox.beginAttempt(id, 1, 0)).toBe(false);
    expect(outbox.finishAttempt(id, 2, ok, { state: 'succeeded' }, 1)).toBe(false);
    expect(outbox.finishAttempt(id, 1, ok, { state: 'succeeded' }, 1)).toBe(true);
    expect(outbox.beginAttempt(id, 2, 2)).toBe(false);
    expect(outbox.get(id)?.attempts).toHaveLength(1);
  });
});
