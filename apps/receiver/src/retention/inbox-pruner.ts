import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { InboxRetention, RetentionPolicy } from '../store/retention.js';

// deletes what RETENTION_DAYS and RETENTION_FAILED_DAYS let go, in small batches with a pause between
// them, off the ingest path: a batch is one short statement, so a delivery waits on it for at most that.
// one replica of a fleet prunes at a time (the store's retention lock); a pass that finds the lock taken
// is skipped. a row goes no sooner than DEDUPE_WINDOW_MS after it was received, so every redelivery
// omniai can make (its retries end within minutes) still meets its key

const DAY_MS = 86_400_000;

export const PRUNER_DEFAULTS = {
  batchSize: 200,
  /** between batches at least: lets ingest writes through */
  pauseMs: 25,
  /** and at least this many times the last batch took, so pruning holds the writer a small share of the time */
  pauseFactor: 4,
  /** between passes */
  intervalMs: 10 * 60_000,
  /** before the first pass, so start-up is not slowed */
  firstPassAfterMs: 30_000,
} as const;

export interface InboxPrunerOptions extends Partial<Record<keyof typeof PRUNER_DEFAULTS, number>> {
  store: InboxRetention;
  /** 0 keeps processed and ignored events for ever */
  retentionDays: number;
  /** 0 keeps failed and rejected events for ever */
  failedRetentionDays: number;
  /** no row goes younger than this */
  dedupeWindowMs: number;
  logger?: Logger;
  registry?: Registry;
  now?: () => number;
}

export interface PassReport {
  deleted: number;
  batches: number;
  durationMs: number;
}

export interface InboxPruner {
  /** one pass now; undefined when another replica (or pass) holds the lock, or nothing is to be pruned */
  runPass(): Promise<PassReport | undefined>;
  start(): void;
  /** stops after the batch in flight */
  stop(): Promise<void>;
}

export function retentionPolicy(options: InboxPrunerOptions, now: number): RetentionPolicy {
  const cutoff = (days: number) =>
    days === 0 ? null : new Date(now - Math.max(days * DAY_MS, options.dedupeWindowMs));
  return {
    doneBefore: cutoff(options.retentionDays),
    failedBefore: cutoff(options.failedRetentionDays),
    batchSize: options.batchSize ?? PRUNER_DEFAULTS.batchSize,
  };
}

export function createInboxPruner(options: InboxPrunerOptions): InboxPruner {
  const settings = { ...PRUNER_DEFAULTS, ...options };
  const now = options.now ?? Date.now;
  const deletedRows = new Counter({
    name: 'omni_receiver_retention_deleted_total',
    help: 'inbox rows deleted by retention (RETENTION_DAYS, RETENTION_FAILED_DAYS)',
    registers: options.registry ? [options.registry] : [],
  });
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  async function pass(): Promise<PassReport> {
    const started = now();
    const policy = retentionPolicy(options, started);
    let deleted = 0;
    let batches = 0;
    while (!stopping) {
      const batchStarted = performance.now();
      const n = await options.store.deleteExpired(policy);
      const took = performance.now() - batchStarted;
      batches += 1;
      deleted += n;
      deletedRows.inc(n);
      if (n < policy.batchSize) break;
      // a loaded database makes batches slower: the pause grows with them
      const pause = Math.max(settings.pauseMs, took * settings.pauseFactor);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    return { deleted, batches, durationMs: now() - started };
  }

  async function runPass(): Promise<PassReport | undefined> {
    if (options.retentionDays === 0 && options.failedRetentionDays === 0) return undefined;
    const report = await options.store.withRetentionLock(pass);
    if (report) options.logger?.info(report, 'retention pass');
    else options.logger?.debug('retention pass skipped: another one holds the retention lock');
    return report;
  }

  const schedule = (delayMs: number) => {
    timer = setTimeout(() => {
      running = runPass()
        .catch((error: unknown) =>
          options.logger?.warn(
            { error: error instanceof Error ? error.message : String(error) },
            'retention pass failed; trying again next interval',
          ),
        )
        .finally(() => {
          running = undefined;
          if (!stopping) schedule(settings.intervalMs);
        });
    }, delayMs);
    timer.unref();
  };

  return {
    runPass,
    start() {
      if (timer || stopping) return;
      schedule(settings.firstPassAfterMs);
    },
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
