// cpu per durable event: each subject in its own process, loaded with unique events, its whole cpu time
// (every thread, work after the responses included) read from /proc and divided by the events it answered
// 2xx; several rounds in changing order (roundOrder), each subject summed up by its median and spread
import { cpuWhenQuiet, processCpuMicros } from './process-cpu.js';
import { load } from './receiver-load.js';
import { median, roundOrder } from './repeated-load.js';
import { type SubjectCommand, startSubject } from './subject-process.js';

export interface CpuSubject {
  name: string;
  /** a fresh command each round (its own database file) */
  command(round: number): SubjectCommand;
}

export interface CpuLoad {
  connections: number;
  warmupSeconds: number;
  seconds: number;
  rounds: number;
  bodies: () => () => string;
}

export interface CpuSample {
  cpuMicrosPerEvent: number;
  rps: number;
  p50: number;
  p99: number;
  durable: number;
  non2xx: number;
  errors: number;
}

export interface CpuSummary {
  name: string;
  samples: CpuSample[];
  /** medians over the rounds, and the lowest and highest */
  cpu: Spread;
  rps: Spread;
  p99: Spread;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

async function measureOnce(subject: CpuSubject, round: number, options: CpuLoad): Promise<CpuSample> {
  const server = await startSubject(subject.command(round));
  try {
    const next = options.bodies();
    await load(server.url, options.connections, options.warmupSeconds, next);
    const cpu = () => processCpuMicros(server.pid);
    const before = await cpuWhenQuiet(cpu);
    const result = await load(server.url, options.connections, options.seconds, next);
    // handlers, status updates and checkpoints still queued when the load stops belong to these events
    const after = await cpuWhenQuiet(cpu);
    const durable = result['2xx'];
    return {
      cpuMicrosPerEvent: durable > 0 ? (after - before) / durable : Number.NaN,
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      durable,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
    };
  } finally {
    await server.stop();
  }
}

/** every subject `options.rounds` times, in another order each round; prints a line per sample */
export async function cpuRounds(
  subjects: readonly CpuSubject[],
  options: CpuLoad,
  print: (line: string) => void,
): Promise<CpuSummary[]> {
  const samples = subjects.map((): CpuSample[] => []);
  for (let round = 0; round < options.rounds; round += 1) {
    for (const index of roundOrder(subjects.length, round)) {
      const subject = subjects[index] as CpuSubject;
      const sample = await measureOnce(subject, round, options);
      samples[index]?.push(sample);
      print(
        `round ${round + 1}, ${subject.name}: ${Math.round(sample.cpuMicrosPerEvent)} µs/event, ` +
          `${Math.round(sample.rps)} req/s, p99 ${sample.p99} ms` +
          (sample.non2xx || sample.errors ? `, ${sample.non2xx} non-2xx, ${sample.errors} errors` : ''),
      );
    }
  }
  return subjects.map((subject, index) => {
    const own = samples[index] ?? [];
    return {
      name: subject.name,
      samples: own,
      cpu: spread(own.map((s) => s.cpuMicrosPerEvent)),
      rps: spread(own.map((s) => s.rps)),
      p99: spread(own.map((s) => s.p99)),
    };
  });
}

const round = (value: number) => Math.round(value).toLocaleString('en-US');
const range = (s: Spread) => `${round(s.median)} (${round(s.min)}-${round(s.max)})`;

export const CPU_TABLE_HEADER =
  '| subject | cpu µs / durable event | requests/s | p99 ms |\n|---|---|---|---|\n';

export function cpuTableRow(summary: CpuSummary): string {
  return `| ${summary.name} | ${range(summary.cpu)} | ${range(summary.rps)} | ${range(summary.p99)} |\n`;
}
