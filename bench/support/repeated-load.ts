// a subject measured once can't be told from noise on a small shared machine: several rounds, each
// running the subjects in another order (so none always goes first, on a cold cache, or last, after
// the others' vacuum and checkpoints), summarized by the median and the spread of each
import type { Measurement } from './receiver-load.js';

export interface RepeatedMeasurement {
  name: string;
  rounds: Measurement[];
  /** medians over the rounds */
  rps: number;
  p50: number;
  p99: number;
  minRps: number;
  maxRps: number;
  non2xx: number;
  errors: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** subject indexes in the order of round `round`: rotated by one each round, reversed every other */
export function roundOrder(subjects: number, round: number): number[] {
  const rotated = Array.from({ length: subjects }, (_, index) => (index + round) % subjects);
  return round % 2 ? rotated.reverse() : rotated;
}

export function summarize(name: string, rounds: readonly Measurement[]): RepeatedMeasurement {
  const rps = rounds.map((m) => m.rps);
  return {
    name,
    rounds: [...rounds],
    rps: median(rps),
    p50: median(rounds.map((m) => m.p50)),
    p99: median(rounds.map((m) => m.p99)),
    minRps: Math.min(...rps),
    maxRps: Math.max(...rps),
    non2xx: rounds.reduce((sum, m) => sum + m.non2xx, 0),
    errors: rounds.reduce((sum, m) => sum + m.errors, 0),
  };
}

const fmt = (value: number) => Math.round(value).toLocaleString('en-US');

export const REPEATED_TABLE_HEADER =
  '| subject | requests/s (median) | spread (min–max) | each round | p50 ms (median) | p99 ms (median) | non-2xx | errors |\n' +
  '|---|---|---|---|---|---|---|---|\n';

export function repeatedTableRow(m: RepeatedMeasurement): string {
  const spread = `${fmt(m.minRps)}–${fmt(m.maxRps)} (±${((50 * (m.maxRps - m.minRps)) / m.rps).toFixed(0)} %)`;
  const each = m.rounds.map((round) => fmt(round.rps)).join(', ');
  return `| ${m.name} | ${fmt(m.rps)} | ${spread} | ${each} | ${m.p50} | ${m.p99} | ${m.non2xx} | ${m.errors} |\n`;
}
