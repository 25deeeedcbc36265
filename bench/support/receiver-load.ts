// what the receiver benches share: servers in child processes (so the load generator does not share
// their event loop), unique valid events, an autocannon run, and the table they print
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SECRET_HEADER } from '@omni-webhooks/contract';
import type { WebhookEventType } from '@omni-webhooks/schema';
import { createFakeEvent } from '@omni-webhooks/schema/fixtures';
import autocannon from 'autocannon';

export const SECRET = 'bench-secret-0123456789';
const benchDir = fileURLToPath(new URL('..', import.meta.url));

// one script for every subject, picked by SUBJECT (and DATABASE_URL); prints its url once listening
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
  const { createLogger, createReceiverApp, createSqliteInboxStore, createWebhookReceiver, openInboxStore } =
    await import('@omni-webhooks/receiver');
  const logger = createLogger({ level: 'warn' });
  let store;
  if (process.env.DATABASE_URL) {
    store = await openInboxStore(process.env.DATABASE_URL, { poolMax: Number(process.env.DATABASE_POOL_MAX) });
  } else {
    store = createSqliteInboxStore({
      filename: process.env.DB_FILE,
      synchronous: process.env.SYNCHRONOUS,
      groupCommit: process.env.GROUP_COMMIT === '1',
    });
    await store.migrate();
  }
  const receiver = createWebhookReceiver({
    store,
    logger,
    auth: { secrets: [process.env.SECRET] },
    drift: { detection: process.env.DRIFT_DETECTION !== 'off' },
    // the duplicate/reserved key scan, off only for its before/after (an internal option, no env var of the receiver)
    ingest: { checkJsonKeys: process.env.KEY_CHECK !== 'off' },
  });
  receiver.onAny(() => {});
  receiver.start();
  handler = createReceiverApp({ receiver, store, logger, adminToken: undefined }).callback();
}
// the process's cpu time, so a bench can tell cost per request from a busy machine's noise
const app = handler;
handler = (req, res) => (req.url === '/__bench/cpu' ? res.end(JSON.stringify(process.cpuUsage())) : app(req, res));
const server = createServer(handler);
server.listen(0, '127.0.0.1', () => process.stdout.write('http://127.0.0.1:' + server.address().port + '\\n'));
`;

export interface BenchProcess {
  /** the first line the process printed: its url */
  url: string;
  stop(): Promise<void>;
}

/** runs `node <args>` from bench/ (so it resolves this package's dependencies) until it prints a line */
export async function startBenchProcess(args: string[], env: Record<string, string>): Promise<BenchProcess> {
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: benchDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench process exited with ${code}`)));
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8').trim()));
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** the receiver (or bare koa with SUBJECT=bare) configured by `env`, in its own process */
export function startBenchServer(env: Record<string, string>): Promise<BenchProcess> {
  return startBenchProcess(['--input-type=module', '-e', SERVER_SCRIPT], { SECRET, ...env });
}

/** bodies of unique valid events: a counter in an id (the `@ID@` in `overrides`) makes every request a new row */
export function uniqueBodies(
  extra: Record<string, unknown> = {},
  type: WebhookEventType = 'document.received',
  overrides: Record<string, unknown> = { document: { id: '@ID@' } },
): () => string {
  const template = JSON.stringify({ ...createFakeEvent(type, overrides as never, { seed: 1 }), ...extra });
  const [head, tail] = template.split('@ID@');
  if (tail === undefined) throw new Error(`no @ID@ in the ${type} template`);
  const run = `${process.pid}-${Date.now()}`;
  let counter = 0;
  return () => `${head}bench-${run}-${counter++}${tail}`;
}

/** an autocannon run of `next()` bodies, signed with the bench secret */
export function load(url: string, connections: number, seconds: number, next: () => string) {
  return autocannon({
    url: `${url}/webhooks/omniai`,
    connections,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json', [DEFAULT_SECRET_HEADER]: SECRET },
    requests: [{ setupRequest: (request) => ({ ...request, body: next() }) }],
  });
}

export interface LoadOptions {
  connections: number;
  warmupSeconds: number;
  seconds: number;
  /** top-level fields added to every event (e.g. one the schema does not know, to exercise the drift radar) */
  extraFields?: Record<string, unknown>;
  /** also read the server's cpu time per request (a bench server started by startBenchServer, not a proxy) */
  measureCpu?: boolean;
}

export interface Measurement {
  name: string;
  rps: number;
  /** with `measureCpu`: the server's cpu time during the measured run, per request (its worker's included); else 0 */
  cpuMicrosPerRequest: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** warm-up, then the measured run, both of unique valid events */
/** cpu time (user + system, µs) the bench server process has used so far */
async function serverCpuMicros(url: string): Promise<number> {
  const usage = (await (await fetch(`${url}/__bench/cpu`)).json()) as { user: number; system: number };
  return usage.user + usage.system;
}

export async function measureLoad(name: string, url: string, options: LoadOptions): Promise<Measurement> {
  const next = uniqueBodies(options.extraFields);
  await load(url, options.connections, options.warmupSeconds, next);
  const cpuBefore = options.measureCpu ? await serverCpuMicros(url) : 0;
  const result = await load(url, options.connections, options.seconds, next);
  const cpu = options.measureCpu ? (await serverCpuMicros(url)) - cpuBefore : 0;
  return {
    name,
    cpuMicrosPerRequest: options.measureCpu && result.requests.total > 0 ? cpu / result.requests.total : 0,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/**
 * events stored but not yet processed, from a receiver's /metrics: a worker that falls behind leaves the
 * ingest more of the process, so a throughput is read together with the backlog it left
 */
export async function handlerBacklog(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^omni_receiver_inbox_events\{status="received"\} (\d+)$/m.exec(text);
  if (!match?.[1]) throw new Error('no omni_receiver_inbox_events{status="received"} in /metrics');
  return Number(match[1]);
}

const fmt = (value: number) => Math.round(value).toLocaleString('en-US');

export const TABLE_HEADER =
  '| subject | requests/s | p50 ms | p99 ms | non-2xx | errors |\n|---|---|---|---|---|---|\n';

export function tableRow(m: Measurement): string {
  return `| ${m.name} | ${fmt(m.rps)} | ${m.p50} | ${m.p99} | ${m.non2xx} | ${m.errors} |\n`;
}
