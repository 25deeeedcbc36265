// the full receiver (secret check, schema, dedupe key, durable sqlite insert, metrics, worker) against a
// bare koa route that only reads and parses the body: 50 connections of unique valid events each.
// servers run in a child process so the load generator does not share their event loop.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SECRET_HEADER } from '@omni-webhooks/contract';
import { createFakeEvent } from '@omni-webhooks/schema/fixtures';
import autocannon from 'autocannon';

const CONNECTIONS = 50;
const DURATION_S = 8;
const WARMUP_S = 2;
const SECRET = 'bench-secret-0123456789';
const GOAL_RATIO = 0.8;
const GOAL_P99_MS = 25;

// one script for every subject, picked by SUBJECT; prints the port once listening
const SERVER_SCRIPT = `
import { createServer } from 'node:http';
import Koa from 'koa';
const subject = process.env.SUBJECT;
let handler;
if (subject === 'bare') {
  const app = new Koa();
  app.use(async (ctx) => {
    const chunks = [];
    for await (const chunk of ctx.req) chunks.push(chunk);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    ctx.body = { ok: true, event: body.event };
  });
  handler = app.callback();
} else {
  const { createLogger, createReceiverApp, createSqliteInboxStore, createWebhookReceiver } = await import(
    '@omni-webhooks/receiver'
  );
  const logger = createLogger({ level: 'warn' });
  const store = createSqliteInboxStore({
    filename: process.env.DB_FILE,
    synchronous: process.env.SYNCHRONOUS,
    groupCommit: process.env.GROUP_COMMIT === '1',
  });
  await store.migrate();
  const receiver = createWebhookReceiver({ store, logger, secrets: [process.env.SECRET] });
  receiver.onAny(() => {});
  receiver.start();
  handler = createReceiverApp({ receiver, store, logger, adminToken: undefined }).callback();
}
const server = createServer(handler);
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

interface Subject {
  name: string;
  env: Record<string, string>;
}

interface Measurement {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  // cwd bench/ so the script resolves koa and the workspace receiver like this package does
  const child = spawn(process.execPath, ['--input-type=module', '-e', SERVER_SCRIPT], {
    cwd: new URL('..', import.meta.url),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    child.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString('utf8').trim())));
  });
  return { child, port };
}

function bodies(): () => string {
  // unique events by a counter in the document id, so every request is a new row
  const template = JSON.stringify(
    createFakeEvent('document.received', { document: { id: '@ID@' } }, { seed: 1 }),
  );
  const [head, tail] = template.split('@ID@');
  let counter = 0;
  return () => `${head}bench-${process.pid}-${counter++}${tail}`;
}

async function load(port: number, seconds: number, next: () => string): Promise<autocannon.Result> {
  return autocannon({
    url: `http://127.0.0.1:${port}/webhooks/omniai`,
    connections: CONNECTIONS,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json', [DEFAULT_SECRET_HEADER]: SECRET },
    requests: [
      {
        setupRequest: (request) => ({ ...request, body: next() }),
      },
    ],
  });
}

async function measure(subject: Subject, dir: string): Promise<Measurement> {
  const { child, port } = await startServer({
    ...subject.env,
    SECRET,
    DB_FILE: join(dir, `${subject.name}.sqlite`),
  });
  try {
    const next = bodies();
    await load(port, WARMUP_S, next);
    const result = await load(port, DURATION_S, next);
    return {
      name: subject.name,
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

const fmt = (value: number) => Math.round(value).toLocaleString('en-US');

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
      `${CONNECTIONS} connections, ${DURATION_S} s each after ${WARMUP_S} s warm-up, unique document.received events\n\n`,
    );
    process.stdout.write(
      '| subject | requests/s | p50 ms | p99 ms | non-2xx | errors |\n|---|---|---|---|---|---|\n',
    );
    const results: Measurement[] = [];
    for (const subject of subjects) {
      const m = await measure(subject, dir);
      results.push(m);
      process.stdout.write(
        `| ${m.name} | ${fmt(m.rps)} | ${m.p50} | ${m.p99} | ${m.non2xx} | ${m.errors} |\n`,
      );
    }
    const [bare, receiver, perRequest, noFsync] = results;
    if (!bare || !receiver || !perRequest || !noFsync) throw new Error('missing measurement');
    const ratio = receiver.rps / bare.rps;
    process.stdout.write(
      `\nreceiver / bare koa: ${ratio.toFixed(2)} (goal >= ${GOAL_RATIO}); receiver ack p50 ${receiver.p50} ms, ` +
        `p99 ${receiver.p99} ms (goal <= ${GOAL_P99_MS} ms): ${ratio >= GOAL_RATIO && receiver.p99 <= GOAL_P99_MS ? 'met' : 'NOT met'}\n` +
        `group commit vs one commit per request: ${(receiver.rps / perRequest.rps).toFixed(2)}x; ` +
        `without fsync: ${(noFsync.rps / bare.rps).toFixed(2)} of bare koa\n`,
    );
    if (receiver.non2xx > 0 || receiver.errors > 0)
      throw new Error('the receiver refused or dropped requests');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
