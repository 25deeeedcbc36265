import { createTestDatabase, startTestPostgres, type TestPostgres } from '@omni-webhooks/test-postgres';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runVerify } from './support/contract-cli.js';
import { RoundRobinProxy } from './support/round-robin-proxy.js';
import type { ServiceProcess } from './support/service-process.js';
import {
  postEvents,
  settledDeliveries,
  startReceiver,
  startSender,
  storedEvents,
  WEBHOOK_PATH,
  waitFor,
} from './support/stack.js';
import { useServices } from './support/use-services.js';

const secret = 'e2e-fleet-secret';
let postgres: TestPostgres | undefined;
const { track, tempDir, onCleanup } = useServices();

beforeAll(async () => {
  postgres = await startTestPostgres();
}, 60_000);

afterAll(async () => {
  await postgres?.stop();
});

/** ids of the events a replica's handlers ran, from its log lines */
function handledIds(replica: ServiceProcess): Set<string> {
  const ids = new Set<string>();
  for (const line of replica.output) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; id?: string };
    if (entry.msg?.startsWith('handled ') && entry.id) ids.add(entry.id);
  }
  return ids;
}

test('three replicas on one PostgreSQL behind a round-robin proxy store every event once and process it, one SIGKILLed mid-stream', async () => {
  if (!postgres) throw new Error('no postgres');
  const total = 300;
  const dir = await tempDir();
  const database = await createTestDatabase(postgres.url);
  onCleanup(database.drop);

  // started together: their migrations race for the advisory lock, as a fleet's rollout would
  const replicas = await Promise.all(
    [0, 1, 2].map(() =>
      track(
        startReceiver({
          dir,
          secret,
          env: {
            DATABASE_URL: database.url,
            DATABASE_POOL_MAX: '4',
            // a dead replica's claims come back after this
            HANDLER_LEASE_MS: '2000',
            LOG_LEVEL: 'info',
          },
        }),
      ),
    ),
  );
  const [survivor, victim, otherSurvivor] = replicas;
  if (!survivor || !victim || !otherSurvivor) throw new Error('replicas missing');
  const proxy = await RoundRobinProxy.start({ upstreams: replicas.map((replica) => replica.url) });
  onCleanup(() => proxy.close());
  const sender = await track(
    startSender({
      dir,
      secret,
      targetUrl: `${proxy.url}${WEBHOOK_PATH}`,
      timeScale: 0.02,
    }),
  );

  await postEvents(sender, { event: 'document.received', count: total });
  // the kill lands at a known point of the stream, whatever the machine's speed
  await proxy.whenAnswered(total / 5);
  await victim.kill();
  const answeredAtKill = proxy.answered;

  const deliveries = await settledDeliveries(sender, total, 90_000);
  expect(deliveries.filter((delivery) => delivery.state !== 'succeeded')).toEqual([]);

  const stored = await waitFor('every event processed', async () => {
    const events = await storedEvents(survivor);
    return events.length === total && events.every((event) => event.status === 'processed')
      ? events
      : undefined;
  });
  expect(new Set(stored.map((event) => event.dedupeKey)).size).toBe(total);
  expect(new Set(stored.map((event) => event.id)).size).toBe(total);

  // `processed` is only set once handlers ran, so every event was handled; and the work was spread:
  // both survivors' handlers ran events (the victim's logs may end mid-buffer, so they are not counted)
  expect(handledIds(survivor).size).toBeGreaterThan(0);
  expect(handledIds(otherSurvivor).size).toBeGreaterThan(0);
  // the kill happened mid-stream, and the proxy routed around the dead replica
  expect(answeredAtKill).toBeLessThan(total);
  expect(proxy.stats.retriedElsewhere + proxy.stats.badGateway).toBeGreaterThan(0);
});

test('omni-contract verify, the whole default run, passes against a fleet of two replicas behind the round-robin proxy', async () => {
  if (!postgres) throw new Error('no postgres');
  const dir = await tempDir();
  const database = await createTestDatabase(postgres.url);
  onCleanup(database.drop);
  const replicas = await Promise.all(
    [0, 1].map(() =>
      track(startReceiver({ dir, secret, env: { DATABASE_URL: database.url, DATABASE_POOL_MAX: '8' } })),
    ),
  );
  const proxy = await RoundRobinProxy.start({ upstreams: replicas.map((replica) => replica.url) });
  onCleanup(() => proxy.close());

  // concurrent copies and a burst land on both replicas: dedupe and storage are the database's
  // the oversized body just over the 1 MiB limit: a replica answers 413 and closes before reading it,
  // and a 2 MiB body still being written then makes the proxy in miniature (not the receiver) answer 502
  const { code, output } = await runVerify(
    [
      '--url',
      `${proxy.url}${WEBHOOK_PATH}`,
      '--deadline-s',
      '60',
      '--oversize-bytes',
      String(1024 * 1024 + 4096),
    ],
    { WEBHOOK_SECRET: secret },
  );

  expect(output).toMatch(/^\d+ passed, 0 failed, 4 skipped in \d+ ms$/m);
  expect(code).toBe(0);
  expect(proxy.stats.answeredBy.every((count) => count > 0)).toBe(true);
});
