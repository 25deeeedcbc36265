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
// the drift radar may cost at most 5 % of the receiver's throughput
const DRIFT_GOAL_RATIO = 0.95;

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
    // the drift radar's cost: the same receiver without it (DRIFT_DETECTION=off)
    {
      name: 'receiver, sqlite FULL, group commit, drift detection off',
      env: { SUBJECT: 'receiver', SYNCHRONOUS: 'FULL', GROUP_COMMIT: '1', DRIFT_DETECTION: 'off' },
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
    const [bare, receiver, perRequest, noDrift, noFsync] = results;
    if (!bare || !receiver || !perRequest || !noDrift || !noFsync) throw new Error('missing measurement');
    const ratio = receiver.rps / bare.rps;
    process.stdout.write(
      `\nreceiver / bare koa: ${ratio.toFixed(2)} (goal >= ${GOAL_RATIO}); receiver ack p50 ${receiver.p50} ms, ` +
        `p99 ${receiver.p99} ms (goal <= ${GOAL_P99_MS} ms): ${ratio >= GOAL_RATIO && receiver.p99 <= GOAL_P99_MS ? 'met' : 'NOT met'}\n` +
        `group commit vs one commit per request: ${(receiver.rps / perRequest.rps).toFixed(2)}x; ` +
        `without fsync: ${(noFsync.rps / bare.rps).toFixed(2)} of bare koa\n` +
        `drift detection on / off: ${(receiver.rps / noDrift.rps).toFixed(3)} (goal >= ${DRIFT_GOAL_RATIO})\n` +
        `stored but not yet handled when the load stopped: ${backlogs.join('; ')}\n`,
    );
    if (receiver.non2xx > 0 || receiver.errors > 0)
      throw new Error('the receiver refused or dropped requests');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
