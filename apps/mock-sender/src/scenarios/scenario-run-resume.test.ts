import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtInScenario, createScenarioPlan } from '@omni-webhooks/schema/fixtures';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createMockSender, type MockSender } from '../mock-sender.js';
import { openDatabase } from '../outbox/database.js';
import { countBy, pollRun } from '../test-support/scenario-run-polling.js';
import { call } from '../test-support/sender-api.js';
import { eventually, startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';

let dir: string;
const closing: (() => Promise<void>)[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'omni-scenario-resume-'));
});
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
  rmSync(dir, { recursive: true, force: true });
});

/** a sender on the test's database file; `close` may be called again (after-each closes what is left) */
async function start(
  targetUrl: string,
): Promise<{ sender: MockSender; base: string; close(): Promise<void> }> {
  const sender = createMockSender(
    loadConfig({
      DATABASE_URL: `file:${join(dir, 'sender.sqlite')}`,
      TARGET_URL: targetUrl,
      // a failed first attempt waits 300 ms: the stop catches one waiting
      RETRY_TIME_SCALE: '0.005',
      LOG_LEVEL: 'silent',
    }),
  );
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= sender.close();
    return closed;
  };
  closing.push(close);
  const base = await sender.listen(0, '127.0.0.1');
  return { sender, base, close };
}

const RUN_WAIT_MS = 20_000;

describe('a scenario run across a restart', { timeout: 40_000 }, () => {
  it('resumes on the next start and makes every planned delivery exactly once', async () => {
    const body = {
      scenario: 'lead-journey',
      leads: 8,
      duplicates: 0.25,
      concurrency: 3,
      seed: 21,
      speed: 20_000,
      startAt: '2026-03-01T08:00:00.000Z',
    };
    const plan = createScenarioPlan(builtInScenario('lead-journey'), {
      ...body,
      startAtMs: Date.parse(body.startAt),
    });
    const planned = plan.deliveries.length;
    // every fifth request fails when its body is new: some deliveries are waiting for a retry when the sender stops
    const answered: { body: string; status: number }[] = [];
    const failed = new Set<string>();
    let stopFirst: (() => void) | undefined;
    const receiver: TestReceiver = await startTestReceiver((n, request) => {
      let status = 200;
      if (n % 5 === 0 && !failed.has(request.body)) {
        failed.add(request.body);
        status = 500;
      }
      answered.push({ body: request.body, status });
      const successes = answered.filter((answer) => answer.status === 200).length;
      if (status === 500 && successes >= planned / 3) stopFirst?.();
      return status;
    });
    closing.push(() => receiver.close());

    const first = await start(receiver.url);
    const stopped = new Promise<void>((resolve) => {
      stopFirst = () => {
        stopFirst = undefined;
        // a clean stop (SIGTERM): requests in flight finish, waits end, rows stay in the database
        void first.close().then(resolve);
      };
    });
    const posted = await call(first.base, 'POST', '/scenarios', body);
    expect(posted.status).toBe(202);
    const id = posted.json.id as string;
    await stopped;

    // mid-way: some entries settled, some handed over and waiting for their retry, some never started
    const db = openDatabase(`file:${join(dir, 'sender.sqlite')}`);
    const rows = db
      .prepare(
        `SELECT r.state AS runState, d.state AS outboxState FROM scenario_run_deliveries r
           JOIN deliveries d ON d.id = r.delivery_id WHERE r.run_id = ?`,
      )
      .all(id) as { runState: string; outboxState: string }[];
    const status = db.prepare('SELECT status FROM scenario_runs WHERE id = ?').get(id) as { status: string };
    db.close();
    expect(status.status).toBe('running');
    expect(rows.filter((row) => row.runState === 'succeeded').length).toBeGreaterThan(0);
    expect(
      rows.filter((row) => row.runState === 'dispatched' && row.outboxState === 'pending').length,
    ).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(planned);
    const beforeRestart = answered.length;

    const second = await start(receiver.url);
    const done = await pollRun(second.base, id, (run) => run.status !== 'running', RUN_WAIT_MS);
    expect(answered.length).toBeGreaterThan(beforeRestart);
    expect(done.status).toBe('done');
    expect(done.progress).toMatchObject({
      planned,
      started: planned,
      settled: planned,
      succeeded: planned,
      inFlight: 0,
      duplicates: plan.duplicates,
    });
    expect(done.summary).toMatchObject({ planned, deliveries: planned, unsettled: 0, failed: 0 });
    expect(done.summary?.retried).toBe(answered.filter((answer) => answer.status === 500).length);

    // exactly once at the receiver: one 200 per plan entry (a duplicate's bytes twice), nothing more
    const delivered = answered.filter((answer) => answer.status === 200).map((answer) => answer.body);
    expect(countBy(delivered)).toEqual(countBy(plan.deliveries.map((delivery) => delivery.body)));
    // and one outbox delivery per plan entry
    const { json } = await call(second.base, 'GET', '/deliveries?limit=1000');
    expect(json.deliveries).toHaveLength(planned);
    await eventually(() => second.sender.engine.runningCount === 0);
  });
});
