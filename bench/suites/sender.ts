// mock sender delivery throughput against a plain fetch loop at the same concurrency, and the memory
// the engine holds per scheduled retry
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEFAULT_SECRET_HEADER, DELIVERY_TIMEOUT_MS } from '@omni-webhooks/contract';
import { DeliveryEngine, Outbox, openDatabase } from '@omni-webhooks/mock-sender';
import { createFakeEvent } from '@omni-webhooks/schema/fixtures';

const CONCURRENCY = 64;
const DELIVERIES = 5000;
const SCHEDULED_RETRIES = 100_000;

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

function openEngine(dir: string, name: string) {
  const db = openDatabase(`file:${join(dir, `${name}.sqlite`)}`);
  const outbox = new Outbox(db);
  const engine = new DeliveryEngine({
    outbox,
    timeoutMs: DELIVERY_TIMEOUT_MS,
    retryTimeScale: 1,
    successRule: '200',
    concurrency: CONCURRENCY,
    endpointConcurrency: CONCURRENCY,
  });
  return { db, outbox, engine };
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
): Promise<number> {
  const { db, outbox, engine } = openEngine(dir, `throughput-${round}`);
  const started = performance.now();
  for (const id of enqueue(outbox, url, body, count)) {
    engine.schedule(id);
  }
  await engine.idle();
  const seconds = (performance.now() - started) / 1000;
  const succeeded = outbox.list({ state: 'succeeded', limit: 1 }).deliveries.length;
  db.close();
  if (succeeded === 0) throw new Error('the sender delivered nothing');
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

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const rate = (value: number) => Math.round(value).toLocaleString('en-US');

export default async function senderSuite(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'omni-bench-sender-'));
  const ok = await listen(200);
  const failing = await listen(500);
  const body = JSON.stringify(createFakeEvent('document.received', undefined, { seed: 1 }));
  try {
    // warm both paths (jit, connection pool) before measuring
    await fetchRate(ok.url, body, 500);
    await senderRate(dir, 0, ok.url, body, 500);
    const baseline: number[] = [];
    const sender: number[] = [];
    for (let round = 1; round <= 2; round++) {
      baseline.push(await fetchRate(ok.url, body, DELIVERIES));
      sender.push(await senderRate(dir, round, ok.url, body, DELIVERIES));
    }
    const best = (values: number[]) => Math.max(...values);
    process.stdout.write(
      `deliveries/s to a local endpoint answering 200, concurrency ${CONCURRENCY}, ${DELIVERIES} per run, best of 2:\n` +
        `  plain fetch loop   ${rate(best(baseline))}/s\n` +
        `  mock sender        ${rate(best(sender))}/s (durable outbox, every attempt recorded)\n` +
        `  ratio sender/fetch ${(best(sender) / best(baseline)).toFixed(2)}\n`,
    );

    const { db, outbox, engine } = openEngine(dir, 'retries');
    const ids = enqueue(outbox, failing.url, body, SCHEDULED_RETRIES);
    let failedFirstAttempts = 0;
    const allScheduled = new Promise<void>((resolve) => {
      engine.on('attempt', (report) => {
        if (report.nextWaitMs !== undefined && ++failedFirstAttempts === SCHEDULED_RETRIES) resolve();
      });
    });
    const before = memory();
    const started = performance.now();
    for (const id of ids) {
      engine.schedule(id);
    }
    await allScheduled;
    const seconds = (performance.now() - started) / 1000;
    const after = memory();
    process.stdout.write(
      `memory held with ${SCHEDULED_RETRIES.toLocaleString('en-US')} retries scheduled ` +
        `(each delivery failed its first attempt and waits 60 s; reached in ${seconds.toFixed(1)} s):\n` +
        `  heap delta ${mib(after.heap - before.heap)} (${Math.round((after.heap - before.heap) / SCHEDULED_RETRIES)} B per retry)\n` +
        `  rss delta  ${mib(after.rss - before.rss)}\n` +
        `  in memory  ${engine.runningCount.toLocaleString('en-US')} deliveries waiting\n`,
    );
    await engine.stop();
    db.close();
  } finally {
    ok.server.close();
    failing.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
