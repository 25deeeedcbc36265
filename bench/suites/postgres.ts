// the receiver on postgresql, 1 replica and 3 behind a round-robin proxy (all on one database), next
// to one receiver on sqlite (FULL, group commit), in the same run: throughput and ack latency.
// on a small machine the replicas, the proxy, postgres and the load generator share the same cores, so
// 3 replicas measure what the fleet costs more than the headroom it buys: each replica gets a third of
// the load, so its batches (group commit) are smaller, and three event loops compete for the cpu.
// one sample each could not tell 3 replicas from 1 apart from noise: ROUNDS rounds in changing order,
// each subject reported by its median and spread, the ratios taken between medians.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '@omni-webhooks/test-postgres';
import { ownReceiverDir, receiverService } from '../support/cpu-subjects.js';
import { type FleetSubject, postgresCpuComparison } from '../support/postgres-cpu.js';
import {
  type BenchProcess,
  type Measurement,
  measureLoad,
  startBenchProcess,
  startBenchServer,
  uniqueBodies,
} from '../support/receiver-load.js';
import {
  REPEATED_TABLE_HEADER,
  type RepeatedMeasurement,
  repeatedTableRow,
  roundOrder,
  summarize,
} from '../support/repeated-load.js';

const LOAD = { connections: 50, seconds: 5, warmupSeconds: 2 };
const ROUNDS = 3;
const POOL_MAX = '10';
const proxyScript = fileURLToPath(new URL('../support/round-robin-proxy-process.ts', import.meta.url));

type Cleanup = () => Promise<void>;

interface Subject {
  name: string;
  /** starts what the load goes to (its url), pushing how to stop each thing it started */
  start(cleanups: Cleanup[]): Promise<string>;
}

/** `count` receivers sharing a fresh database, started together (their migrations race, as in a rollout) */
async function replicas(postgres: TestPostgres, count: number, cleanups: Cleanup[]): Promise<string[]> {
  const database = await createTestDatabase(postgres.url);
  cleanups.push(database.drop);
  const servers = await Promise.all(
    Array.from({ length: count }, () =>
      startBenchServer({ SUBJECT: 'receiver', DATABASE_URL: database.url, DATABASE_POOL_MAX: POOL_MAX }),
    ),
  );
  cleanups.push(...servers.map((server) => server.stop));
  return servers.map((server) => server.url);
}

async function behindProxy(upstreams: string[], cleanups: Cleanup[]): Promise<string> {
  const proxy: BenchProcess = await startBenchProcess(['--import', 'tsx', proxyScript, ...upstreams], {});
  cleanups.push(proxy.stop);
  return proxy.url;
}

function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

/** this receiver on PostgreSQL, and the one of `--baseline=DIR` for before/after figures in one run */
function fleetSubjects(dir: string): FleetSubject[] {
  const env = (url: string) => ({ DATABASE_URL: url, DATABASE_POOL_MAX: POOL_MAX });
  const fleets: FleetSubject[] = [
    {
      name: 'this receiver',
      subject: (url) => receiverService('this receiver', ownReceiverDir(), dir, env(url)),
    },
  ];
  const baseline = option('baseline');
  if (baseline) {
    const packageDir = resolve(baseline, 'apps/receiver');
    fleets.push({
      name: `baseline (${baseline})`,
      subject: (url) => receiverService('baseline', packageDir, dir, env(url)),
    });
  }
  return fleets;
}

export default async function postgresSuite(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'omni-bench-postgres-'));
  const postgres = await startTestPostgres();
  try {
    await postgresCpuComparison(
      postgres,
      fleetSubjects(dir),
      { ...LOAD, rounds: Number(option('rounds') ?? ROUNDS), bodies: () => uniqueBodies() },
      (text) => process.stdout.write(text),
    );
    if (process.argv.includes('--cpu-only')) return;
    await fleetThroughput(postgres, dir);
  } finally {
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** throughput of sqlite, one replica and three behind the round-robin proxy, all on this one machine */
async function fleetThroughput(postgres: TestPostgres, dir: string): Promise<void> {
  const subjects: Subject[] = [
    {
      name: 'sqlite, 1 receiver (FULL, group commit)',
      start: async (cleanups) => {
        const server = await startBenchServer({
          SUBJECT: 'receiver',
          SYNCHRONOUS: 'FULL',
          GROUP_COMMIT: '1',
          DB_FILE: join(dir, 'receiver.sqlite'),
        });
        cleanups.push(server.stop);
        return server.url;
      },
    },
    {
      name: 'postgres, 1 receiver',
      start: async (cleanups) => (await replicas(postgres, 1, cleanups))[0] ?? '',
    },
    {
      name: 'postgres, 1 receiver behind the proxy',
      start: async (cleanups) => behindProxy(await replicas(postgres, 1, cleanups), cleanups),
    },
    {
      name: 'postgres, 3 receivers behind the proxy',
      start: async (cleanups) => behindProxy(await replicas(postgres, 3, cleanups), cleanups),
    },
  ];
  process.stdout.write(
    `\nthroughput on this one machine: ${LOAD.connections} connections, ${LOAD.seconds} s each after ${LOAD.warmupSeconds} s warm-up, ` +
      `${ROUNDS} rounds in changing order, unique document.received events; ` +
      `postgres pool ${POOL_MAX} per receiver, synchronous_commit on\n\n`,
  );
  const rounds: Measurement[][] = subjects.map(() => []);
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const index of roundOrder(subjects.length, round)) {
      const subject = subjects[index];
      if (!subject) continue;
      const cleanups: Cleanup[] = [];
      try {
        const m = await measureLoad(subject.name, await subject.start(cleanups), LOAD);
        rounds[index]?.push(m);
        process.stdout.write(`round ${round + 1}: ${subject.name}: ${Math.round(m.rps)} requests/s\n`);
      } finally {
        // the proxy first, then the receivers, then their database
        for (const cleanup of cleanups.reverse()) await cleanup();
      }
    }
  }
  const results = subjects.map((subject, index) => summarize(subject.name, rounds[index] ?? []));
  process.stdout.write(`\n${REPEATED_TABLE_HEADER}`);
  for (const m of results) process.stdout.write(repeatedTableRow(m));
  const [sqlite, one, oneProxied, three] = results;
  if (!sqlite || !one || !oneProxied || !three) throw new Error('missing measurement');
  const ratio = (a: RepeatedMeasurement, b: RepeatedMeasurement) => (a.rps / b.rps).toFixed(2);
  // the ratio's range over the rounds: slowest a against fastest b, and the other way round
  const range = (a: RepeatedMeasurement, b: RepeatedMeasurement) =>
    `${(a.minRps / b.maxRps).toFixed(2)}–${(a.maxRps / b.minRps).toFixed(2)}`;
  process.stdout.write(
    `\nratios of medians (range over the rounds):\n` +
      `postgres 1 receiver / sqlite: ${ratio(one, sqlite)}x (${range(one, sqlite)}) throughput, ` +
      `ack p99 ${one.p99} vs ${sqlite.p99} ms\n` +
      `postgres 3 receivers / 1 receiver (both behind the proxy): ${ratio(three, oneProxied)}x ` +
      `(${range(three, oneProxied)}) throughput, ack p99 ${three.p99} vs ${oneProxied.p99} ms\n` +
      `postgres 3 receivers / sqlite: ${ratio(three, sqlite)}x; proxy cost on 1 receiver: ` +
      `${ratio(oneProxied, one)}x (${range(oneProxied, one)})\n`,
  );
  if (results.some((m) => m.non2xx > 0 || m.errors > 0))
    throw new Error('a subject refused or dropped requests');
}
