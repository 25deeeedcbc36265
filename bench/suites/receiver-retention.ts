// the receiver's retention sub-suite (`pnpm bench receiver-retention`): a 1 000 000-row sqlite inbox,
// seeded by one bulk insert, under ingest load with and without the pruner deleting its expired rows.
// rounds alternate (off, on, off, on) so a busy neighbour hits both alike; goal: ingest p99 while
// pruning within 20 % of without
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteInboxStore } from '@omni-webhooks/receiver';
import { openSqlite } from '@omni-webhooks/sqlite';
import {
  type Measurement,
  measureLoad,
  SECRET,
  startBenchProcess,
  TABLE_HEADER,
  tableRow,
} from '../support/receiver-load.js';

const ROWS = 1_000_000;
const ROUNDS = 4;
const LOAD = { connections: 50, seconds: 5, warmupSeconds: 1 };
const GOAL_P99_RATIO = 1.2;

// the receiver with a pruner that GET /__bench/prune starts and /__bench/stop-prune stops
const SERVER_SCRIPT = `
import { createServer } from 'node:http';
const { createInboxPruner, createLogger, createReceiverApp, createSqliteInboxStore, createWebhookReceiver } =
  await import('@omni-webhooks/receiver');
const logger = createLogger({ level: 'warn' });
const store = createSqliteInboxStore({ filename: process.env.DB_FILE });
await store.migrate();
const receiver = createWebhookReceiver({
  store,
  logger,
  auth: { secrets: [process.env.SECRET] },
  drift: { detection: false },
});
receiver.onAny(() => {});
receiver.start();
let pruner;
let deleted = 0;
const app = createReceiverApp({ receiver, store, logger, adminToken: undefined }).callback();
const server = createServer(async (req, res) => {
  if (req.url === '/__bench/prune') {
    pruner = createInboxPruner({ store, retentionDays: 30, failedRetentionDays: 90, dedupeWindowMs: 3600000 });
    // passes back to back while the load runs, as a backlog of expired rows would be pruned
    const loop = async () => {
      while (pruner) deleted += (await pruner.runPass())?.deleted ?? 0;
    };
    void loop();
    res.end('{}');
  } else if (req.url === '/__bench/stop-prune') {
    const stopping = pruner;
    pruner = undefined;
    await stopping?.stop();
    res.end(JSON.stringify({ deleted }));
  } else app(req, res);
});
server.listen(0, '127.0.0.1', () => process.stdout.write('http://127.0.0.1:' + server.address().port + '\\n'));
`;

/** a million processed rows, 60 days old, in one statement: no http, no per-row transaction */
async function seed(file: string): Promise<void> {
  const store = createSqliteInboxStore({ filename: file, synchronous: 'NORMAL' });
  await store.migrate();
  await store.close();
  const db = openSqlite(file);
  const old = new Date(Date.now() - 60 * 86_400_000).toISOString();
  db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
    INSERT INTO inbox_events (id, dedupe_key, active_dedupe_key, type, status, payload, received_at,
      last_delivery_at, processed_at, available_at, handler_attempts)
    SELECT printf('00000000-0000-7000-8000-%012d', i), 'seed:' || i, 'seed:' || i, 'lead.created', 'processed',
      '{"event":"lead.created","data":{"leadId":"lead_' || i || '","workspaceId":"ws_bench","status":"new"}}',
      '${old}', '${old}', '${old}', 0, 1
    FROM n`);
  db.close();
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

export default async function receiverRetentionSuite(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'omni-bench-retention-'));
  const file = join(dir, 'inbox.sqlite');
  try {
    const seeding = Date.now();
    await seed(file);
    process.stdout.write(
      `${ROWS.toLocaleString('en-US')} expired rows seeded in ${Date.now() - seeding} ms; ${LOAD.connections} connections, ` +
        `${LOAD.seconds} s per round after ${LOAD.warmupSeconds} s warm-up, ${ROUNDS} alternating rounds\n\n`,
    );
    const server = await startBenchProcess(['--input-type=module', '-e', SERVER_SCRIPT], {
      SECRET,
      DB_FILE: file,
    });
    const off: Measurement[] = [];
    const on: Measurement[] = [];
    let deleted = 0;
    try {
      process.stdout.write(TABLE_HEADER);
      for (let round = 0; round < ROUNDS; round += 1) {
        const pruning = round % 2 === 1;
        if (pruning) await fetch(`${server.url}/__bench/prune`);
        const m = await measureLoad(
          pruning ? `ingest while pruning (round ${round + 1})` : `ingest alone (round ${round + 1})`,
          server.url,
          LOAD,
        );
        if (pruning) {
          deleted = ((await (await fetch(`${server.url}/__bench/stop-prune`)).json()) as { deleted: number })
            .deleted;
          on.push(m);
        } else off.push(m);
        process.stdout.write(tableRow(m));
      }
    } finally {
      await server.stop();
    }
    const baseline = median(off.map((m) => m.p99));
    const pruned = median(on.map((m) => m.p99));
    const ratio = baseline > 0 ? pruned / baseline : Number.POSITIVE_INFINITY;
    process.stdout.write(
      `\n${deleted.toLocaleString('en-US')} rows pruned during the load rounds; ingest p99 ${pruned} ms while pruning vs ` +
        `${baseline} ms without: ${ratio.toFixed(2)} (goal <= ${GOAL_P99_RATIO}): ${ratio <= GOAL_P99_RATIO ? 'met' : 'NOT met'}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
