import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DELIVERY_TIMEOUT_MS, type SuccessRule, verifyWebhookSignature } from '@omni-webhooks/contract';
import { openSqlite } from '@omni-webhooks/sqlite';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../outbox/database.js';
import { type DeliveryTarget, Outbox } from '../outbox/outbox.js';
import { DeliveryEngine } from './delivery-engine.js';

const URL_OK = 'http://receiver.test/hook';
const T0 = Date.UTC(2025, 0, 1);

interface Received {
  at: number;
  body: string;
  headers: Headers;
}

const server = setupServer();
let received: Received[] = [];

function answer(respond: (n: number) => Response | Promise<Response>) {
  server.use(
    http.post(URL_OK, async ({ request }) => {
      received.push({ at: Date.now() - T0, body: await request.text(), headers: request.headers });
      return respond(received.length);
    }),
  );
}

const target: DeliveryTarget = {
  endpointId: 'ep_test',
  url: URL_OK,
  secret: 's3cret',
  secretHeader: 'x-webhook-secret',
  signingKey: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  sign: false,
};

let dir: string;
let db: SqliteDatabase;

// these tests step a fake setTimeout; group commit waits for a real setImmediate, so here each attempt
// write commits alone (the group-commit path is tested with real timers at the end of this file)
const openOutbox = () => new Outbox(db, { groupCommit: false });

function setup(options: { successRule?: SuccessRule; sign?: boolean } = {}) {
  const outbox = openOutbox();
  const engine = new DeliveryEngine({
    outbox,
    timeoutMs: DELIVERY_TIMEOUT_MS,
    retryTimeScale: 1,
    successRule: options.successRule ?? '200',
    concurrency: 4,
    endpointConcurrency: 2,
  });
  const [delivery] = outbox.enqueue(
    [{ id: 'msg_1', type: 'lead.created', body: '{"event":"lead.created","n":1}' }],
    () => [{ ...target, sign: options.sign ?? false }],
    Date.now(),
  );
  if (!delivery) {
    throw new Error('no delivery enqueued');
  }
  return { outbox, engine, id: delivery.id };
}

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  received = [];
  dir = join(tmpdir(), `omni-sender-${process.pid}-${Math.random().toString(36).slice(2)}`);
  db = openDatabase(`file:${join(dir, 'sender.sqlite')}`);
});
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('delivery engine', () => {
  it('delivers a 200 in one attempt', async () => {
    answer(() => new HttpResponse('ok', { status: 200 }));
    const { outbox, engine, id } = setup();
    engine.schedule(id);
    await vi.advanceTimersByTimeAsync(0);
    await engine.idle();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(received).toHaveLength(1);
    expect(received[0]?.headers.get('content-type')).toBe('application/json');
    expect(received[0]?.headers.get('x-webhook-secret')).toBe('s3cret');
    const view = outbox.get(id);
    expect(view?.state).toBe('succeeded');
    expect(view?.attempts).toMatchObject([{ n: 1, status: 200, error: null, responseBody: 'ok' }]);
  });

  it('retries a 500 at 0, 60, 180 and 420 s with the same bytes, then fails with no fifth attempt', async () => {
    answer(() => new HttpResponse('boom', { status: 500 }));
    const { outbox, engine, id } = setup();
    const settled = vi.fn();
    engine.on('settled', settled);
    engine.schedule(id);
    await vi.advanceTimersByTimeAsync(0);
    expect(outbox.get(id)?.nextAttemptAt).toBe(new Date(T0 + 60_000).toISOString());
    await vi.advanceTimersByTimeAsync(420_000);
    await engine.idle();
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(received.map((request) => request.at)).toEqual([0, 60_000, 180_000, 420_000]);
    expect(new Set(received.map((request) => request.body)).size).toBe(1);
    const view = outbox.get(id);
    expect(view?.state).toBe('failed');
    expect(view?.nextAttemptAt).toBeNull();
    expect(view?.attempts.map((attempt) => attempt.status)).toEqual([500, 500, 500, 500]);
    expect(settled).toHaveBeenCalledWith({ deliveryId: id, state: 'failed', attempts: 4 });
  });

  it('retries after a network error', async () => {
    answer((n) => (n === 1 ? HttpResponse.error() : new HttpResponse(null, { status: 200 })));
    const { outbox, engine, id } = setup();
    engine.schedule(id);
    await vi.advanceTimersByTimeAsync(60_000);
    await engine.idle();
    expect(received.map((request) => request.at)).toEqual([0, 60_000]);
    const attempts = outbox.get(id)?.attempts;
    expect(attempts?.[0]).toMatchObject({
      status: null,
      error: expect.stringMatching(/network error|failed to fetch|fetch failed/i),
    });
    expect(outbox.get(id)?.state).toBe('succeeded');
  });

  it('retries a 202 under the default rule', async () => {
    answer((n) => new HttpResponse(null, { status: n === 1 ? 202 : 200 }));
    const { outbox, engine, id } = setup();
    engine.schedule(id);
    await vi.advanceTimersByTimeAsync(60_000);
    await engine.idle();
    expect(outbox.get(id)?.attempts.map((attempt) => attempt.status)).toEqual([202, 200]);
  });

  it('accepts a 202 under the 2xx rule', async () => {
    answer(() => new HttpResponse(null, { status: 202 }));
    const { outbox, engine, id } = setup({ successRule: '2xx' });
    engine.schedule(id);
    await vi.advanceTimersByTimeAsync(0);
    await engine.idle();
    expect(received).toHaveLength(1);
    expect(outbox.get(id)?.state).toBe('succeeded');
  });

  it('aborts a hanging endpoint at 5 s and retries on schedule', async () => {
    answer((n) =>
      n === 1 ? new Promise<Response>(() => undefined) : new HttpResponse(null, { status: 200 }),
    );
    const { outbox, engine, id } = setup();
    engine.schedule(id);
    await vi.advanceTimersByTimeAsync(DELIVERY_TIMEOUT_MS - 1);
    expect(outbox.get(id)?.state).toBe('in_flight');
    await vi.advanceTimersByTimeAsync(1);
    const [first] = outbox.get(id)?.attempts ?? [];
    expect(first).toMatchObject({ status: null, error: 'timeout: no response within 5000 ms' });
    expect(outbox.get(id)?.nextAttemptAt).toBe(new Date(T0 + DELIVERY_TIMEOUT_MS + 60_000).toISOString());
    await vi.advanceTimersByTimeAsync(60_000);
    await engine.idle();
    expect(received.map((request) => request.at)).toEqual([0, DELIVERY_TIMEOUT_MS + 60_000]);
    expect(outbox.get(id)?.state).toBe('succeeded');
  });

  it('sends standard webhooks headers with a stable id when signing', async () => {
    answer((n) => new HttpResponse(null, { status: n === 1 ? 500 : 200 }));
    const { engine, id } = setup({ sign: true });
    engine.schedule(id);
    await vi.advanceTimersByTimeAsync(60_000);
    await engine.idle();
    expect(received.map((request) => request.headers.get('webhook-id'))).toEqual(['msg_1', 'msg_1']);
    expect(received.map((request) => request.headers.get('webhook-timestamp'))).toEqual([
      String(T0 / 1000),
      String(T0 / 1000 + 60),
    ]);
    expect(received[1]?.headers.get('webhook-signature')).toMatch(/^v1,/);
    const verify = (secrets: string[]) =>
      verifyWebhookSignature({
        headers: Object.fromEntries(received[1]?.headers ?? []),
        body: received[1]?.body ?? '',
        secrets,
        nowSeconds: T0 / 1000 + 60,
      });
    expect(verify([target.signingKey ?? ''])).toMatchObject({ ok: true });
    expect(verify([target.secret ?? ''])).toMatchObject({ ok: false, code: 'invalid_signature' });
  });

  it('resumes a delivery stopped between attempts at its stored time, not from attempt 1', async () => {
    answer((n) => new HttpResponse(null, { status: n < 3 ? 500 : 200 }));
    const first = setup();
    first.engine.schedule(first.id);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(received).toHaveLength(2);
    await first.engine.stop();
    expect(first.outbox.get(first.id)).toMatchObject({
      state: 'pending',
      nextAttemptAt: new Date(T0 + 180_000).toISOString(),
    });

    // a new engine on the same database, started 30 s later
    await vi.advanceTimersByTimeAsync(30_000);
    const restarted = new DeliveryEngine({
      outbox: openOutbox(),
      timeoutMs: DELIVERY_TIMEOUT_MS,
      retryTimeScale: 1,
      successRule: '200',
      concurrency: 4,
      endpointConcurrency: 2,
    });
    expect(restarted.resume()).toBe(1);
    await vi.advanceTimersByTimeAsync(89_999);
    expect(received).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await restarted.idle();
    expect(received.map((request) => request.at)).toEqual([0, 60_000, 180_000]);
    expect(first.outbox.get(first.id)?.attempts.map((attempt) => attempt.n)).toEqual([1, 2, 3]);
    expect(first.outbox.get(first.id)?.state).toBe('succeeded');
  });

  it('waits 240 s (scaled) after a failed resumed attempt 3: the schedule kept across the restart', async () => {
    // at scale 0.01 every wait (0.6, 1.2, 2.4 s) is within the horizon: the run itself waits
    answer(() => new HttpResponse(null, { status: 500 }));
    const engineAt = (outbox: Outbox) =>
      new DeliveryEngine({
        outbox,
        timeoutMs: DELIVERY_TIMEOUT_MS,
        retryTimeScale: 0.01,
        successRule: '200',
        concurrency: 4,
        endpointConcurrency: 2,
      });
    const { outbox, id } = setup();
    const first = engineAt(outbox);
    first.schedule(id);
    await vi.advanceTimersByTimeAsync(600);
    expect(received).toHaveLength(2);
    await first.stop();
    const restarted = engineAt(openOutbox());
    expect(restarted.resume()).toBe(1);
    await vi.advanceTimersByTimeAsync(1200);
    expect(received).toHaveLength(3);
    // attempt 4 comes 2.4 s after attempt 3, not 0.6 s (a resumed run starting its waits over)
    await vi.advanceTimersByTimeAsync(2399);
    expect(received).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    await restarted.idle();
    expect(received.map((request) => request.at)).toEqual([0, 600, 1800, 4200]);
    expect(outbox.get(id)?.state).toBe('failed');
  });

  it('counts an attempt cut off by a crash and continues the schedule from its start', async () => {
    answer(() => new HttpResponse(null, { status: 200 }));
    const { outbox, id } = setup();
    // what a SIGKILL during the first request leaves behind
    outbox.beginAttempt(id, 1, T0);
    await vi.advanceTimersByTimeAsync(10_000);
    const restarted = new DeliveryEngine({
      outbox,
      timeoutMs: DELIVERY_TIMEOUT_MS,
      retryTimeScale: 1,
      successRule: '200',
      concurrency: 4,
      endpointConcurrency: 2,
    });
    restarted.resume();
    expect(outbox.get(id)?.attempts[0]).toMatchObject({ n: 1, error: 'sender stopped during the attempt' });
    await vi.advanceTimersByTimeAsync(50_000);
    await restarted.idle();
    expect(received.map((request) => request.at)).toEqual([60_000]);
    expect(outbox.get(id)?.attempts.map((attempt) => attempt.status)).toEqual([null, 200]);
  });
});

describe('delivery engine: parked retries', () => {
  function createEngine(outbox: Outbox, options: { retryHorizonMs?: number } = {}) {
    return new DeliveryEngine({
      outbox,
      timeoutMs: DELIVERY_TIMEOUT_MS,
      retryTimeScale: 1,
      successRule: '200',
      concurrency: 4,
      endpointConcurrency: 2,
      ...options,
    });
  }

  /** a delivery whose first attempt failed and that waits in the outbox until `dueAt` */
  function enqueueParked(outbox: Outbox, n: number, dueAt: number): string {
    const [delivery] = outbox.enqueue(
      [{ id: `msg_parked_${n}`, type: 'lead.created', body: `{"event":"lead.created","n":${n}}` }],
      () => [target],
      T0,
    );
    if (!delivery) {
      throw new Error('no delivery enqueued');
    }
    outbox.beginAttempt(delivery.id, 1, T0);
    const outcome = { durationMs: 1, status: 500, error: null, responseBody: null };
    outbox.finishAttempt(
      delivery.id,
      1,
      outcome,
      { state: 'pending', nextAttemptAt: dueAt, parked: true },
      T0,
    );
    return delivery.id;
  }

  const bodyNumber = (request: Received) => (JSON.parse(request.body) as { n: number }).n;

  it('parks a failing delivery between attempts: no run and only the due-queue timer while it waits', async () => {
    answer(() => new HttpResponse('boom', { status: 500 }));
    const { outbox, engine, id } = setup();
    const settled = vi.fn();
    engine.on('settled', settled);
    engine.schedule(id);
    await vi.advanceTimersByTimeAsync(0);
    for (const [elapsed, nextAttemptAt] of [
      [0, 60_000],
      [60_000, 180_000],
      [180_000, 420_000],
    ] as const) {
      await vi.advanceTimersByTimeAsync(elapsed - (Date.now() - T0));
      expect(received.at(-1)?.at).toBe(elapsed);
      expect(engine.runningCount).toBe(0);
      expect(vi.getTimerCount()).toBe(1);
      expect(outbox.get(id)).toMatchObject({
        state: 'pending',
        nextAttemptAt: new Date(T0 + nextAttemptAt).toISOString(),
      });
    }
    await vi.advanceTimersByTimeAsync(240_000);
    await engine.idle();
    expect(received.map((request) => request.at)).toEqual([0, 60_000, 180_000, 420_000]);
    expect(outbox.get(id)?.state).toBe('failed');
    expect(settled).toHaveBeenCalledWith({ deliveryId: id, state: 'failed', attempts: 4 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('holds a wait within the horizon in the run, with p-retry', async () => {
    answer((n) => new HttpResponse(null, { status: n === 1 ? 500 : 200 }));
    const outbox = openOutbox();
    const engine = createEngine(outbox, { retryHorizonMs: 60_000 });
    const [delivery] = outbox.enqueue(
      [{ id: 'msg_h', type: 'lead.created', body: '{}' }],
      () => [target],
      T0,
    );
    engine.schedule(delivery?.id ?? '');
    await vi.advanceTimersByTimeAsync(0);
    expect(engine.runningCount).toBe(1);
    expect(outbox.get(delivery?.id ?? '')?.state).toBe('pending');
    await vi.advanceTimersByTimeAsync(60_000);
    await engine.idle();
    expect(received.map((request) => request.at)).toEqual([0, 60_000]);
    expect(engine.runningCount).toBe(0);
  });

  it('wakes 1 000 parked deliveries in due order, each at its time, with one timer', async () => {
    answer(() => new HttpResponse(null, { status: 200 }));
    const outbox = openOutbox();
    // due times 37 ms apart, enqueued in a scrambled order
    const dueAt = (n: number) => T0 + 1000 + ((n * 7919) % 1000) * 37;
    for (let n = 0; n < 1000; n++) {
      enqueueParked(outbox, n, dueAt(n));
    }
    const engine = createEngine(outbox);
    expect(engine.resume()).toBe(1000);
    expect(engine.runningCount).toBe(0);
    expect(vi.getTimerCount()).toBe(1);
    while (received.length < 1000 && Date.now() - T0 < 60_000) {
      await vi.advanceTimersByTimeAsync(5000);
      expect(vi.getTimerCount()).toBeLessThanOrEqual(1);
    }
    await engine.idle();
    const expected = Array.from({ length: 1000 }, (_, n) => n).sort((a, b) => dueAt(a) - dueAt(b));
    expect(received.map(bodyNumber)).toEqual(expected);
    expect(received.every((request) => request.at === dueAt(bodyNumber(request)) - T0)).toBe(true);
    expect(outbox.list({ state: 'succeeded', limit: 1000 }).deliveries).toHaveLength(1000);
    expect(vi.getTimerCount()).toBe(0);
  }, 30_000);

  it('re-arms the timer for a park earlier than the one it is armed for', async () => {
    answer((n) => new HttpResponse(null, { status: n === 1 ? 500 : 200 }));
    const outbox = openOutbox();
    const late = enqueueParked(outbox, 1, T0 + 240_000);
    const engine = createEngine(outbox);
    engine.resume();
    expect(vi.getTimerCount()).toBe(1);
    const [early] = outbox.enqueue(
      [{ id: 'msg_early', type: 'lead.created', body: '{"event":"lead.created","n":2}' }],
      () => [target],
      T0,
    );
    engine.schedule(early?.id ?? '');
    await vi.advanceTimersByTimeAsync(0);
    expect(outbox.get(early?.id ?? '')?.nextAttemptAt).toBe(new Date(T0 + 60_000).toISOString());
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(received.map((request) => [bodyNumber(request), request.at])).toEqual([
      [2, 0],
      [2, 60_000],
    ]);
    await vi.advanceTimersByTimeAsync(180_000);
    await engine.idle();
    expect(received.map((request) => [bodyNumber(request), request.at])).toEqual([
      [2, 0],
      [2, 60_000],
      [1, 240_000],
    ]);
    expect(outbox.get(late)?.state).toBe('succeeded');
    expect(outbox.get(early?.id ?? '')?.state).toBe('succeeded');
  });

  it('parks a delivery scheduled before its time instead of waiting for it in a run', async () => {
    answer(() => new HttpResponse(null, { status: 200 }));
    const outbox = openOutbox();
    const id = enqueueParked(outbox, 1, T0 + 90_000);
    const engine = createEngine(outbox);
    engine.schedule(id);
    expect(engine.runningCount).toBe(0);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(90_000);
    await engine.idle();
    expect(received.map((request) => request.at)).toEqual([90_000]);
  });

  it('stop() cancels the due-queue timer and leaves the parked delivery pending in the outbox', async () => {
    answer(() => new HttpResponse(null, { status: 500 }));
    const { outbox, engine, id } = setup();
    engine.schedule(id);
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1);
    await engine.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(received).toHaveLength(1);
    expect(outbox.get(id)).toMatchObject({
      state: 'pending',
      nextAttemptAt: new Date(T0 + 60_000).toISOString(),
    });
    await engine.idle();
  });
});

describe('delivery engine: group commit', () => {
  beforeEach(() => vi.useRealTimers());

  interface CommittedRow {
    state: string;
    attempt_count: number;
    next_attempt_at: number | null;
    status: number | null;
  }

  /** the delivery and its attempt n as a second connection sees them: committed writes only */
  function committedView(reader: SqliteDatabase, id: string, n: number): CommittedRow | undefined {
    return reader
      .prepare(
        `SELECT d.state, d.attempt_count, d.next_attempt_at, a.status FROM deliveries d
           JOIN attempts a ON a.delivery_id = d.id AND a.n = ? WHERE d.id = ?`,
      )
      .get(n, id) as CommittedRow | undefined;
  }

  it('commits each attempt before its request and each outcome before it is reported, for concurrent deliveries', async () => {
    const reader = openSqlite(join(dir, 'sender.sqlite'), { readonly: true });
    const outbox = new Outbox(db);
    const count = 40;
    const enqueued = outbox.enqueue(
      Array.from({ length: count }, (_, n) => ({
        id: `msg_${n}`,
        type: 'lead.created',
        body: `{"event":"lead.created","n":${n}}`,
      })),
      () => [target],
      Date.now(),
    );
    const idOf = new Map(enqueued.map((delivery, n) => [n, delivery.id]));
    const seenByReceiver: (CommittedRow | undefined)[] = [];
    server.use(
      http.post(URL_OK, async ({ request }) => {
        const { n } = (await request.json()) as { n: number };
        const attempt =
          received.filter((entry) => (JSON.parse(entry.body) as { n: number }).n === n).length + 1;
        received.push({ at: Date.now(), body: JSON.stringify({ n }), headers: request.headers });
        seenByReceiver.push(committedView(reader, idOf.get(n) ?? '', attempt));
        // every delivery fails its first attempt, so each one also commits a retry time before waiting
        return new HttpResponse(null, { status: attempt === 1 ? 500 : 200 });
      }),
    );
    const engine = new DeliveryEngine({
      outbox,
      timeoutMs: DELIVERY_TIMEOUT_MS,
      // waits of 6 ms, held in the run
      retryTimeScale: 0.0001,
      successRule: '200',
      concurrency: 16,
      endpointConcurrency: 16,
    });
    const seenOnReport: (CommittedRow | undefined)[] = [];
    const reported: { status: number | null; nextWaitMs: number | undefined }[] = [];
    engine.on('attempt', (report) => {
      seenOnReport.push(committedView(reader, report.deliveryId, report.n));
      reported.push({ status: report.outcome.status, nextWaitMs: report.nextWaitMs });
    });
    for (const delivery of enqueued) {
      engine.schedule(delivery.id);
    }
    await engine.idle();
    reader.close();

    expect(received).toHaveLength(2 * count);
    expect(seenByReceiver).toHaveLength(2 * count);
    for (const row of seenByReceiver) {
      expect(row).toMatchObject({ state: 'in_flight', status: null, next_attempt_at: null });
    }
    expect(seenOnReport).toHaveLength(2 * count);
    seenOnReport.forEach((row, index) => {
      const report = reported[index];
      if (report?.status === 500) {
        expect(row).toMatchObject({ state: 'pending', attempt_count: 1, status: 500 });
        expect(row?.next_attempt_at).toEqual(expect.any(Number));
      } else {
        expect(row).toMatchObject({
          state: 'succeeded',
          attempt_count: 2,
          status: 200,
          next_attempt_at: null,
        });
      }
    });
    expect(outbox.list({ state: 'succeeded', limit: count }).deliveries).toHaveLength(count);
  });
});
