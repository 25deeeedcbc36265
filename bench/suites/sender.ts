// mock sender delivery throughput against a plain fetch loop at the same concurrency (with and without
// group commit of the attempt writes), the memory the engine holds per scheduled retry, and what 100 000
// retries coming due at once cost (memory, event-loop stall) now that only free runs wake, and
// `omni-mock scenario` against `omni-mock send` for the same deliveries
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEFAULT_SECRET_HEADER, DELIVERY_TIMEOUT_MS } from '@omni-webhooks/contract';
import { DeliveryEngine, Outbox, openDatabase } from '@omni-webhooks/mock-sender';
import { createFakeEvent } from '@omni-webhooks/schema/fixtures';
import { benchPlan, scenarioRate, sendRate } from '../support/scenario-rate.js';

const CONCURRENCY = 64;
const DELIVERIES = 5000;
const SCHEDULED_RETRIES = 100_000;
// real failing attempts take time: the live comparison (parked against held) uses fewer than the
// seeded figure, and ends well within the 60 s after which the first retries come due
const LIVE_RETRIES = 10_000;
// how long the come-due phase watches the wake-up (delivering all 100 000 would take a minute)
const COME_DUE_WINDOW_MS = 5000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function listen(status: number): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(status).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, server };
}

function openEngine(
  dir: string,
  name: string,
  retryHorizonMs?: number,
  groupCommit = true,
  runsPerSlot?: number,
) {
  const databaseUrl = `file:${join(dir, `${name}.sqlite`)}`;
  const db = openDatabase(databaseUrl);
  const outbox = new Outbox(db, { groupCommit });
  const engine = new DeliveryEngine({
    outbox,
    timeoutMs: DELIVERY_TIMEOUT_MS,
    retryTimeScale: 1,
    successRule: '200',
    concurrency: CONCURRENCY,
    endpointConcurrency: CONCURRENCY,
    retryHorizonMs,
    runsPerSlot,
  });
  return { db, outbox, engine, databaseUrl };
}

function enqueue(outbox: Outbox, url: string, body: string, count: number): string[] {
  const events = Array.from({ length: count }, (_, index) => ({
    id: `msg_${index}`,
    type: 'document.received',
    body,
  }));
  const target = {
    endpointId: 'bench',
    url,
    secret: 'bench-secret',
    secretHeader: DEFAULT_SECRET_HEADER,
    sign: false,
  };
  return outbox.enqueue(events, () => [target], Date.now()).map((delivery) => delivery.id);
}

/** deliveries/s through the whole engine: outbox rows, attempts recorded, concurrency limits */
async function senderRate(
  dir: string,
  round: number,
  url: string,
  body: string,
  count: number,
  groupCommit: boolean,
): Promise<number> {
  const name = `throughput-${round}-${groupCommit ? 'grouped' : 'alone'}`;
  const { db, outbox, engine } = openEngine(dir, name, undefined, groupCommit);
  const started = performance.now();
  for (const id of enqueue(outbox, url, body, count)) {
    engine.schedule(id);
  }
  await engine.idle();
  const seconds = (performance.now() - started) / 1000;
  const succeeded = outbox.list({ state: 'succeeded', limit: count }).deliveries.length;
  db.close();
  // a run counts only if every delivery of it got through
  if (succeeded !== count) throw new Error(`the sender delivered ${succeeded} of ${count}`);
  return count / seconds;
}

/** the baseline: the same POSTs from a bare fetch loop with the same number of workers */
async function fetchRate(url: string, body: string, count: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        next++;
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [DEFAULT_SECRET_HEADER]: 'bench-secret' },
          body,
        });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`baseline got HTTP ${response.status}`);
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

function memory(): { heap: number; rss: number } {
  gc();
  gc();
  const { heapUsed, rss } = process.memoryUsage();
  return { heap: heapUsed, rss };
}

/**
 * `count` real retries at the real time scale: every delivery fails its first attempt against a local
 * endpoint answering 500 and waits 60 s for its second. Memory is measured after gc once every first
 * attempt is recorded and every run ended (parked) or waits in p-retry (held).
 */
async function liveRetries(
  dir: string,
  url: string,
  body: string,
  count: number,
  retryHorizonMs: number | undefined,
) {
  const held = retryHorizonMs !== undefined;
  // the held baseline is the engine before parking and before the bound on runs: every retry in a run
  const { db, outbox, engine } = openEngine(
    dir,
    held ? 'retries-held' : 'retries-parked',
    retryHorizonMs,
    true,
    held ? Math.ceil(count / CONCURRENCY) : undefined,
  );
  const ids = enqueue(outbox, url, body, count);
  let failedFirstAttempts = 0;
  const allFailedOnce = new Promise<void>((resolve) => {
    engine.on('attempt', (report) => {
      if (report.n === 1 && ++failedFirstAttempts === count) resolve();
    });
  });
  const before = memory();
  for (const id of ids) {
    engine.schedule(id);
  }
  await allFailedOnce;
  // a parking run ends a few microtasks after its attempt event
  while (retryHorizonMs === undefined && engine.runningCount > 0) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  const after = memory();
  const timers = process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
  const result = {
    heap: after.heap - before.heap,
    rss: after.rss - before.rss,
    running: engine.runningCount,
    timers,
  };
  await engine.stop();
  db.close();
  return result;
}

/** `count` deliveries whose first attempt failed and whose retry is due at `dueAt`, written through the outbox */
function seedRetries(
  dir: string,
  name: string,
  url: string,
  body: string,
  count: number,
  dueAt: number,
): void {
  const seeding = openEngine(dir, name);
  const now = Date.now();
  const failed = { durationMs: 1, status: 500, error: null, responseBody: 'boom' };
  seeding.db.transaction(() => {
    for (const id of enqueue(seeding.outbox, url, body, count)) {
      seeding.outbox.beginAttempt(id, 1, now);
      seeding.outbox.finishAttempt(
        id,
        1,
        failed,
        { state: 'pending', nextAttemptAt: dueAt, parked: true },
        now,
      );
    }
  })();
  seeding.db.close();
}

/** `count` deliveries whose first attempt failed, written through the outbox, picked up by resume() */
async function seededRetries(dir: string, body: string, count: number) {
  seedRetries(dir, 'retries-seeded', 'http://127.0.0.1:9/hook', body, count, Date.now() + 60_000);
  const before = memory();
  const { db, outbox, engine } = openEngine(dir, 'retries-seeded');
  const started = performance.now();
  engine.resume();
  const ms = performance.now() - started;
  const after = memory();
  const nextWake = outbox.earliestParked();
  const result = {
    ms,
    heap: after.heap - before.heap,
    rss: after.rss - before.rss,
    running: engine.runningCount,
    pending: outbox.openCount(),
    nextWakeS: nextWake === undefined ? '-' : ((nextWake - Date.now()) / 1000).toFixed(0),
  };
  // nothing is due for a minute: stopping only disarms the due-queue timer
  await engine.stop();
  db.close();
  return result;
}

/**
 * `count` retries all due now (as after a restart that finds a backlog), to a local endpoint answering
 * 200: resume() on a fresh engine, then the wake-up is watched for COME_DUE_WINDOW_MS: peak heap over
 * the start, longest event-loop stall, most runs in memory, deliveries done.
 */
async function retriesComeDue(dir: string, url: string, body: string, count: number) {
  seedRetries(dir, 'retries-due', url, body, count, Date.now() - 1);
  const before = memory();
  const { db, engine } = openEngine(dir, 'retries-due');
  let delivered = 0;
  engine.on('settled', () => {
    delivered++;
  });
  const stalls = monitorEventLoopDelay({ resolution: 10 });
  stalls.enable();
  let peakHeap = 0;
  let peakRuns = 0;
  const sample = () => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed - before.heap);
    peakRuns = Math.max(peakRuns, engine.runningCount);
  };
  const sampler = setInterval(sample, 20);
  engine.resume();
  sample();
  await new Promise((resolve) => setTimeout(resolve, COME_DUE_WINDOW_MS));
  clearInterval(sampler);
  stalls.disable();
  const settled = memory();
  const result = {
    peakHeap,
    heapAfterGc: settled.heap - before.heap,
    maxStallMs: stalls.max / 1e6,
    peakRuns,
    maxRuns: engine.maxRuns,
    delivered,
  };
  await engine.stop();
  db.close();
  return result;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const perRetry = (bytes: number, count: number) => `${Math.round(bytes / count).toLocaleString('en-US')} B`;
const rate = (value: number) => Math.round(value).toLocaleString('en-US');

export default async function senderSuite(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'omni-bench-sender-'));
  const ok = await listen(200);
  const failing = await listen(500);
  const body = JSON.stringify(createFakeEvent('document.received', undefined, { seed: 1 }));
  try {
    // warm both paths (jit, connection pool) before measuring
    await fetchRate(ok.url, body, 500);
    await senderRate(dir, 0, ok.url, body, 500, true);
    await senderRate(dir, 0, ok.url, body, 500, false);
    const baseline: number[] = [];
    const sender: number[] = [];
    const alone: number[] = [];
    // interleaved, so a noisy neighbour on a shared machine hits every path alike
    for (let round = 1; round <= 3; round++) {
      baseline.push(await fetchRate(ok.url, body, DELIVERIES));
      sender.push(await senderRate(dir, round, ok.url, body, DELIVERIES, true));
      alone.push(await senderRate(dir, round, ok.url, body, DELIVERIES, false));
    }
    const best = (values: number[]) => Math.max(...values);
    process.stdout.write(
      `deliveries/s to a local endpoint answering 200, concurrency ${CONCURRENCY}, ${DELIVERIES} per run, best of 3:\n` +
        `  plain fetch loop     ${rate(best(baseline))}/s\n` +
        `  mock sender          ${rate(best(sender))}/s (durable outbox, every attempt committed before ` +
        'its request and its outcome before any wait; writes of one tick share a commit)\n' +
        `  without group commit ${rate(best(alone))}/s (each attempt write commits alone)\n` +
        `  ratio sender/fetch   ${(best(sender) / best(baseline)).toFixed(2)} ` +
        `(${(best(alone) / best(baseline)).toFixed(2)} without group commit)\n`,
    );

    const plan = benchPlan(DELIVERIES, CONCURRENCY);
    await sendRate(ok.url, benchPlan(500, CONCURRENCY), CONCURRENCY);
    await scenarioRate(ok.url, benchPlan(500, CONCURRENCY));
    const sent: number[] = [];
    const played: number[] = [];
    // alternating which goes first, so a round's drift in machine load falls on both
    for (let round = 1; round <= 3; round++) {
      if (round % 2) sent.push(await sendRate(ok.url, plan, CONCURRENCY));
      played.push(await scenarioRate(ok.url, plan));
      if (!(round % 2)) sent.push(await sendRate(ok.url, plan, CONCURRENCY));
    }
    process.stdout.write(
      `omni-mock scenario against omni-mock send: the same ${plan.deliveries.length} deliveries (lead-journey, ` +
        `${plan.journeys.length} leads, ${plan.duplicates} duplicates, due at once), in-memory outbox, ` +
        `concurrency ${CONCURRENCY}, best of 3:\n` +
        `  send                  ${rate(best(sent))}/s (every event handed to the engine at once)\n` +
        `  scenario              ${rate(best(played))}/s (the player: a lead's deliveries one after the other; ` +
        `at most ${CONCURRENCY} unsettled, an in-flight duplicate riding on its original's slot, so the ` +
        `engine has ${2 * CONCURRENCY} slots for ${CONCURRENCY} + the duplicates in flight)\n` +
        `  ratio scenario/send   ${(best(played) / best(sent)).toFixed(2)} (goal >= 0.9)\n`,
    );

    const live = await liveRetries(dir, failing.url, body, LIVE_RETRIES, undefined);
    const held = await liveRetries(dir, failing.url, body, LIVE_RETRIES, Number.POSITIVE_INFINITY);
    process.stdout.write(
      `memory held with ${LIVE_RETRIES.toLocaleString('en-US')} real retries scheduled (each delivery failed its ` +
        'first attempt against a local 500 at the real time scale and waits 60 s):\n' +
        `  parked in the outbox   heap ${mib(live.heap)} (${perRetry(live.heap, LIVE_RETRIES)}/retry), ` +
        `rss ${mib(live.rss)} (${perRetry(live.rss, LIVE_RETRIES)}/retry), ${live.running} runs in memory, ` +
        `${live.timers} due-queue timer\n` +
        `  held by p-retry (horizon ∞, the engine before parking)  heap ${mib(held.heap)} ` +
        `(${perRetry(held.heap, LIVE_RETRIES)}/retry), rss ${mib(held.rss)} (${perRetry(held.rss, LIVE_RETRIES)}/retry), ` +
        `${held.running.toLocaleString('en-US')} runs in memory\n`,
    );
    const seeded = await seededRetries(dir, body, SCHEDULED_RETRIES);
    process.stdout.write(
      `memory held with ${SCHEDULED_RETRIES.toLocaleString('en-US')} retries scheduled (rows seeded through the ` +
        'outbox as after a failed first attempt, then resume() on a fresh engine, as after a restart):\n' +
        `  heap delta ${mib(seeded.heap)} (${perRetry(seeded.heap, SCHEDULED_RETRIES)} per retry)\n` +
        `  rss delta  ${mib(seeded.rss)} (${perRetry(seeded.rss, SCHEDULED_RETRIES)} per retry)\n` +
        `  resume()   ${seeded.ms.toFixed(0)} ms; ${seeded.running} runs in memory, ` +
        `${seeded.pending.toLocaleString('en-US')} pending in the outbox, next wake in ${seeded.nextWakeS} s\n`,
    );
    const due = await retriesComeDue(dir, ok.url, body, SCHEDULED_RETRIES);
    // what p-retry would hold for all of them, from the per-retry figure measured above in this run
    const heldAll = (held.heap / LIVE_RETRIES) * SCHEDULED_RETRIES;
    process.stdout.write(
      `${SCHEDULED_RETRIES.toLocaleString('en-US')} retries come due at once (seeded due now, resume() on a fresh ` +
        `engine, endpoint answering 200), watched for ${COME_DUE_WINDOW_MS / 1000} s:\n` +
        `  runs in memory at most ${due.peakRuns} (bound ${due.maxRuns}); ` +
        `${due.delivered.toLocaleString('en-US')} delivered in the window, the rest parked\n` +
        `  heap peak +${mib(due.peakHeap)} (${mib(due.heapAfterGc)} after gc), longest event-loop stall ` +
        `${due.maxStallMs.toFixed(0)} ms\n` +
        `  ratio parked/held, live retries       heap ${(live.heap / held.heap).toFixed(3)}, ` +
        `rss ${(live.rss / held.rss).toFixed(3)}\n` +
        `  ratio come-due peak/held (${SCHEDULED_RETRIES.toLocaleString('en-US')} held by p-retry ≈ ${mib(heldAll)}) ` +
        `heap ${(due.peakHeap / heldAll).toFixed(3)}\n`,
    );
  } finally {
    ok.server.close();
    failing.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
