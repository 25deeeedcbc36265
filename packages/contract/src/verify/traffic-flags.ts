import { type Command, InvalidArgumentError } from 'commander';
import { DEFAULT_TRAFFIC, type TrafficSettings } from './run-context.js';
import { DEFAULT_DEADLINE_MS, randomSeed } from './verify-receiver.js';

// the verify command's traffic flags, kept apart from cli.ts: parsing, defaults and the checks they tune

function count(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) {
    throw new InvalidArgumentError('expected a whole number (0 skips the check)');
  }
  return parsed;
}

function positive(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError('expected a positive number');
  return parsed;
}

function seed(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0 || parsed >= 2 ** 31) {
    throw new InvalidArgumentError('expected the seed a run printed (a whole number below 2^31)');
  }
  return parsed;
}

export const MAX_BURST = 1000;
const MAX_SUSTAINED_REQUESTS = 1_000_000;

export interface TrafficFlags {
  burst: number;
  duplicates: number;
  payloads: number;
  seed?: number;
  journeys: boolean;
  redelivery: boolean;
  redeliveryPauseMs: number;
  rate?: number;
  duration?: number;
  deadlineS: number;
  bodyLimitBytes: number;
}

export function addTrafficOptions(command: Command): Command {
  return command
    .option('--burst <n>', 'distinct events sent at the same instant (0 skips)', count, DEFAULT_TRAFFIC.burst)
    .option(
      '--duplicates <k>',
      'copies of one delivery sent at once, and again while in flight (0 skips)',
      count,
      DEFAULT_TRAFFIC.duplicates,
    )
    .option(
      '--payloads <n>',
      'generated payloads of the variety check (0 skips)',
      count,
      DEFAULT_TRAFFIC.payloads,
    )
    .option('--seed <n>', 'seed of the variety payloads (printed on every run, to replay a failure)', seed)
    .option('--no-journeys', 'skip the journey-order check')
    .option('--no-redelivery', 'skip the redelivery check')
    .option(
      '--redelivery-pause-ms <ms>',
      'pause before the redelivery',
      positive,
      DEFAULT_TRAFFIC.redeliveryPauseMs,
    )
    .option(
      '--rate <r>',
      'sustained load: requests per second, open-loop (with --duration; off by default)',
      positive,
    )
    .option('--duration <seconds>', 'sustained load: how long (with --rate)', positive)
    .option(
      '--deadline-s <seconds>',
      'stop the whole run here, report what ran, and fail',
      positive,
      DEFAULT_DEADLINE_MS / 1000,
    )
    .option(
      '--body-limit-bytes <n>',
      "the receiver's body limit: the variety check sends a valid body just under it",
      positive,
      DEFAULT_TRAFFIC.bodyLimitBytes,
    );
}

/** the settings the flags give, or the problem with them */
export function trafficSettingsFrom(flags: TrafficFlags): TrafficSettings | string {
  if ((flags.rate === undefined) !== (flags.duration === undefined)) {
    return '--rate and --duration go together';
  }
  if (flags.burst > MAX_BURST) return `--burst: at most ${MAX_BURST}`;
  if (
    flags.rate !== undefined &&
    flags.duration !== undefined &&
    flags.rate * flags.duration > MAX_SUSTAINED_REQUESTS
  ) {
    return `--rate × --duration: at most ${MAX_SUSTAINED_REQUESTS} requests`;
  }
  return {
    ...DEFAULT_TRAFFIC,
    burst: flags.burst,
    duplicates: Math.min(flags.duplicates, MAX_BURST),
    payloads: flags.payloads,
    seed: flags.seed ?? randomSeed(),
    journeys: flags.journeys,
    redelivery: flags.redelivery,
    redeliveryPauseMs: flags.redeliveryPauseMs,
    bodyLimitBytes: Math.floor(flags.bodyLimitBytes),
    ...(flags.rate !== undefined && flags.duration !== undefined
      ? { rate: flags.rate, durationS: flags.duration }
      : {}),
  };
}
