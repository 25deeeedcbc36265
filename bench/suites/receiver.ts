// the full receiver (secret check, schema, dedupe key, durable sqlite insert, metrics, worker) against a
// bare koa route that only reads and parses the body: 50 connections of unique valid events each.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  handlerBacklog,
  type Measurement,
  measureLoad,
  startBenchServer,
  TABLE_HEADER,
  tableRow,
} from '../support/receiver-load.js';

const LOAD = { connections: 50, seconds: 8, warmupSeconds: 2 };
const GOAL_RATIO = 0.8;
const GOAL_P99_MS = 25;
// the drift radar may cost at most 5 % of the receiver's throughput; measured in alternating rounds
// (on, off, on, off, ...) so a neighbour's load hits both alike
const DRIFT_GOAL_RATIO = 0.95;
// an even count: each mode runs first in half the rounds, so a position bias cancels out
const DRIFT_ROUNDS = 4;
// every event carries a field the schema does not know, so the radar counts one drift per event
const DRIFT_LOAD = {
  connections: 50,
  seconds: 5,
  warmupSeconds: 1,
  extraFields: { apiVersion: '2026-01' },
  measureCpu: true,
};

interface Subject {
  name: string;
  env: Record<string, string>;
}

export default async function receiverSuite(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'omni-bench-receiver-'));
  const subjects: Subject[] = [
    { name: 'bare koa (read + JSON.parse)', env: { SUBJECT: 'bare' } },
    {
      name: 'receiver, sqlite FULL, group commit',
      env: { SUBJECT: 'receiver', SYNCHRONOUS: 'FULL', GROUP_COMMIT: '1' },
    },
    {
      name: 'receiver, sqlite FULL, one commit per request',
      env: { SUBJECT: 'receiver', SYNCHRONOUS: 'FULL', GROUP_COMMIT: '0' },
    },
    // not durable against power loss: shows what the fsync itself costs
    {
      name: 'receiver, sqlite NORMAL (no fsync), group commit',
      env: { SUBJECT: 'receiver', SYNCHRONOUS: 'NORMAL', GROUP_COMMIT: '1' },
    },
  ];
  try {
    process.stdout.write(
      `${LOAD.connections} connections, ${LOAD.seconds} s each after ${LOAD.warmupSeconds} s warm-up, unique document.received events\n\n`,
    );
    process.stdout.write(TABLE_HEADER);
    const results: Measurement[] = [];
    const backlogs: string[] = [];
    for (const [index, subject] of subjects.entries()) {
      const server = await startBenchServer({ ...subject.env, DB_FILE: join(dir, `${index}.sqlite`) });
      try {
        const m = await measureLoad(subject.name, server.url, LOAD);
        results.push(m);
        process.stdout.write(tableRow(m));
        if (subject.env.SUBJECT === 'receiver') {
          backlogs.push(`${subject.name}: ${(await handlerBacklog(server.url)).toLocaleString('en-US')}`);
        }
      } finally {
        await server.stop();
      }
    }
    const [bare, receiver, perRequest, noFsync] = results;
    if (!bare || !receiver || !perRequest || !noFsync) throw new Error('missing measurement');
    const ratio = receiver.rps / bare.rps;
    process.stdout.write(
      `\nreceiver / bare koa: ${ratio.toFixed(2)} (goal >= ${GOAL_RATIO}); receiver ack p50 ${receiver.p50} ms, ` +
        `p99 ${receiver.p99} ms (goal <= ${GOAL_P99_MS} ms): ${ratio >= GOAL_RATIO && receiver.p99 <= GOAL_P99_MS ? 'met' : 'NOT met'}\n` +
        `group commit vs one commit per request: ${(receiver.rps / perRequest.rps).toFixed(2)}x; ` +
        `without fsync: ${(noFsync.rps / bare.rps).toFixed(2)} of bare koa\n` +
        `stored but not yet handled when the load stopped: ${backlogs.join('; ')}\n`,
    );
    if (receiver.non2xx > 0 || receiver.errors > 0)
      throw new Error('the receiver refused or dropped requests');
    await driftComparison(dir);
    await keyCheckComparison(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface OnOffResult {
  /** requests/s on / off over all rounds, and per round */
  overall: number;
  ratios: number[];
  cpu: { on: number; off: number };
  cpuLines: string[];
}

/**
 * the receiver as above (sqlite FULL, group commit) with one switch (`variable` of the bench server) on
 * and off, in alternating rounds whose order swaps each round so a position bias cancels out
 */
async function onOffRounds(
  dir: string,
  variable: string,
  label: string,
  load: Parameters<typeof measureLoad>[2],
): Promise<OnOffResult> {
  process.stdout.write(TABLE_HEADER);
  const totals = { on: 0, off: 0 };
  const cpu = { on: 0, off: 0 };
  const ratios: number[] = [];
  const cpuLines: string[] = [];
  for (let round = 1; round <= DRIFT_ROUNDS; round += 1) {
    const rps = { on: 0, off: 0 };
    const order = round % 2 === 1 ? (['on', 'off'] as const) : (['off', 'on'] as const);
    for (const mode of order) {
      const server = await startBenchServer({
        SUBJECT: 'receiver',
        SYNCHRONOUS: 'FULL',
        GROUP_COMMIT: '1',
        [variable]: mode,
        DB_FILE: join(dir, `${variable}-${round}-${mode}.sqlite`),
      });
      try {
        const m = await measureLoad(`round ${round}, ${label} ${mode}`, server.url, load);
        process.stdout.write(tableRow(m));
        if (m.non2xx > 0 || m.errors > 0) throw new Error('the receiver refused or dropped requests');
        rps[mode] = m.rps;
        totals[mode] += m.rps;
        cpu[mode] += m.cpuMicrosPerRequest;
        cpuLines.push(`${m.name}: ${Math.round(m.cpuMicrosPerRequest)} µs`);
      } finally {
        await server.stop();
      }
    }
    ratios.push(rps.on / rps.off);
  }
  return { overall: totals.on / totals.off, ratios, cpu, cpuLines };
}

/** DRIFT_DETECTION on and off */
async function driftComparison(dir: string): Promise<void> {
  process.stdout.write(
    `\ndrift detection: ${DRIFT_ROUNDS} rounds of on and off, the order swapped each round, ${DRIFT_LOAD.seconds} s each after ${DRIFT_LOAD.warmupSeconds} s warm-up, ` +
      'unique document.received events with an unknown field\n\n',
  );
  const { overall, ratios, cpu, cpuLines } = await onOffRounds(
    dir,
    'DRIFT_DETECTION',
    'drift detection',
    DRIFT_LOAD,
  );
  const sorted = [...ratios].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  process.stdout.write(
    `\ndrift detection on / off: ${overall.toFixed(3)} over all rounds, median round ${median.toFixed(3)} ` +
      `(rounds ${ratios.map((ratio) => ratio.toFixed(3)).join(', ')}; goal >= ${DRIFT_GOAL_RATIO}): ` +
      `${overall >= DRIFT_GOAL_RATIO ? 'met' : 'NOT met'}\n` +
      `receiver cpu per request (µs, its worker included): ${cpuLines.join('; ')}\n` +
      `cpu per request off / on: ${(cpu.off / cpu.on).toFixed(3)} (the throughput ratio a cpu-bound receiver ` +
      `would see, steadier than requests/s on a shared machine; goal >= ${DRIFT_GOAL_RATIO}): ` +
      `${cpu.off / cpu.on >= DRIFT_GOAL_RATIO ? 'met' : 'NOT met'}\n`,
  );
}

// the duplicate-key check (and reserved keys) may cost at most 3 %
const KEY_CHECK_GOAL_RATIO = 0.97;

/** the JSON key check on and off (KEY_CHECK of the bench server: an internal option, no env var of the receiver) */
async function keyCheckComparison(dir: string): Promise<void> {
  process.stdout.write(
    `\nduplicate-key check: ${DRIFT_ROUNDS} rounds of on and off, the order swapped each round, ${DRIFT_LOAD.seconds} s each after ${DRIFT_LOAD.warmupSeconds} s warm-up\n\n`,
  );
  const { overall, ratios, cpu } = await onOffRounds(dir, 'KEY_CHECK', 'key check', {
    ...DRIFT_LOAD,
    extraFields: {},
  });
  process.stdout.write(
    `\nkey check on / off: ${overall.toFixed(3)} over all rounds (rounds ${ratios.map((ratio) => ratio.toFixed(3)).join(', ')}; ` +
      `goal >= ${KEY_CHECK_GOAL_RATIO}): ${overall >= KEY_CHECK_GOAL_RATIO ? 'met' : 'NOT met'}\n` +
      `cpu per request off / on: ${(cpu.off / cpu.on).toFixed(3)} (goal >= ${KEY_CHECK_GOAL_RATIO}): ` +
      `${cpu.off / cpu.on >= KEY_CHECK_GOAL_RATIO ? 'met' : 'NOT met'}\n`,
  );
}
