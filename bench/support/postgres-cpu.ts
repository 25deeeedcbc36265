// what a PostgreSQL fleet costs per event, measured on one machine and projected onto many: cpu per durable
// event of a replica (its whole process) and of the PostgreSQL server (postmaster and backends), both from
// /proc, in rounds of changing order; capacity = min(replicas x replica capacity, PostgreSQL capacity)
import { createTestDatabase, type TestPostgres } from '@omni-webhooks/test-postgres';
import type { CpuSubject } from './cpu-rounds.js';
import { cpuWhenQuiet, postmasterPid, processCpuMicros, processTreeCpuMicros } from './process-cpu.js';
import { load } from './receiver-load.js';
import { median, roundOrder } from './repeated-load.js';
import { startSubject } from './subject-process.js';

/** the cores a projected machine has: one event loop per replica; PostgreSQL on a machine like these */
const REPLICA_CORES = 1;
const POSTGRES_CORES = 2;
const PROJECTED_REPLICAS = [1, 3, 10];

export interface FleetLoad {
  connections: number;
  warmupSeconds: number;
  seconds: number;
  rounds: number;
  bodies: () => () => string;
}

interface FleetSample {
  replicaMicros: number;
  postgresMicros: number;
  rps: number;
  p99: number;
  refused: number;
}

/** a receiver subject for a database url (the round's own database) */
export type FleetSubject = { name: string; subject: (databaseUrl: string) => CpuSubject };

async function measureOnce(
  postgres: TestPostgres,
  pgPid: number,
  fleet: FleetSubject,
  options: FleetLoad,
): Promise<FleetSample> {
  const database = await createTestDatabase(postgres.url);
  const server = await startSubject(fleet.subject(database.url).command(0));
  try {
    const next = options.bodies();
    await load(server.url, options.connections, options.warmupSeconds, next);
    const both = () => processCpuMicros(server.pid) + processTreeCpuMicros(pgPid);
    await cpuWhenQuiet(both);
    const replicaBefore = processCpuMicros(server.pid);
    const postgresBefore = processTreeCpuMicros(pgPid);
    const result = await load(server.url, options.connections, options.seconds, next);
    await cpuWhenQuiet(both);
    const durable = result['2xx'];
    return {
      replicaMicros: (processCpuMicros(server.pid) - replicaBefore) / durable,
      postgresMicros: (processTreeCpuMicros(pgPid) - postgresBefore) / durable,
      rps: result.requests.average,
      p99: result.latency.p99,
      refused: result.non2xx + result.errors + result.timeouts,
    };
  } finally {
    await server.stop();
    await database.drop();
  }
}

export async function postgresCpuComparison(
  postgres: TestPostgres,
  fleets: readonly FleetSubject[],
  options: FleetLoad,
  print: (text: string) => void,
): Promise<void> {
  const pgPid = postmasterPid(Number(new URL(postgres.url).port));
  if (pgPid === undefined) {
    print(
      'cpu per event: the PostgreSQL server is not a process on this machine (OMNI_TEST_POSTGRES_URL?); skipped\n',
    );
    return;
  }
  print(
    `cpu per durable event, one replica on PostgreSQL: ${options.rounds} rounds in changing order, ` +
      `${options.connections} connections, ${options.seconds} s after ${options.warmupSeconds} s warm-up; ` +
      'replica = its whole process, PostgreSQL = postmaster and backends, both from /proc\n\n',
  );
  const samples = fleets.map((): FleetSample[] => []);
  for (let round = 0; round < options.rounds; round += 1) {
    for (const index of roundOrder(fleets.length, round)) {
      const fleet = fleets[index] as FleetSubject;
      const sample = await measureOnce(postgres, pgPid, fleet, options);
      samples[index]?.push(sample);
      print(
        `  round ${round + 1}, ${fleet.name}: replica ${Math.round(sample.replicaMicros)} µs, ` +
          `postgres ${Math.round(sample.postgresMicros)} µs per event, ${Math.round(sample.rps)} req/s\n`,
      );
      if (sample.refused) throw new Error(`${fleet.name} refused or dropped ${sample.refused} requests`);
    }
  }
  print(
    '\n| subject | replica µs / event | postgres µs / event | req/s | p99 ms | projected events/s for ' +
      `${PROJECTED_REPLICAS.join(', ')} replicas |\n|---|---|---|---|---|---|\n`,
  );
  const projections: string[] = [];
  fleets.forEach((fleet, index) => {
    const own = samples[index] ?? [];
    const replica = median(own.map((s) => s.replicaMicros));
    const server = median(own.map((s) => s.postgresMicros));
    const replicaCapacity = (REPLICA_CORES * 1e6) / replica;
    const postgresCapacity = (POSTGRES_CORES * 1e6) / server;
    const projected = PROJECTED_REPLICAS.map((n) =>
      Math.round(Math.min(n * replicaCapacity, postgresCapacity)),
    );
    print(
      `| ${fleet.name} | ${Math.round(replica)} | ${Math.round(server)} | ${Math.round(median(own.map((s) => s.rps)))} | ` +
        `${median(own.map((s) => s.p99))} | ${projected.map((n) => n.toLocaleString('en-US')).join(' / ')} |\n`,
    );
    projections.push(
      `${fleet.name}: a replica ${Math.round(replicaCapacity)} events/s, PostgreSQL ${Math.round(postgresCapacity)} events/s`,
    );
  });
  print(
    `\nprojection (not a measurement): each replica on a machine of its own with ${REPLICA_CORES} core for its ` +
      `event loop, PostgreSQL on ${POSTGRES_CORES} cores, capacity = min(replicas x replica capacity, ` +
      `PostgreSQL capacity), cpu alone (no fsync or network limit): ${projections.join('; ')}\n`,
  );
}
