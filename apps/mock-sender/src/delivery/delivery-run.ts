import type { EventEmitter } from 'node:events';
import { isSuccessStatus, type SuccessRule } from '@omni-webhooks/contract';
import pRetry from 'p-retry';
import type { Logger } from 'pino';
import type { AttemptOutcome, DeliverySchedule, DeliveryState, NextStep, Outbox } from '../outbox/outbox.js';
import type { TargetGuard } from '../targets/target-guard.js';
import { ConcurrencyLimit, KeyedConcurrencyLimit } from './concurrency-limit.js';
import { sendAttempt } from './delivery-attempt.js';
import { retryOptionsAfter, waitAfterAttempt } from './retry-schedule.js';

export interface AttemptReport {
  deliveryId: string;
  url: string;
  n: number;
  outcome: AttemptOutcome;
  succeeded: boolean;
  /** wait before the next attempt; undefined when there is none */
  nextWaitMs: number | undefined;
}

export interface SettledReport {
  deliveryId: string;
  state: Extract<DeliveryState, 'succeeded' | 'failed'>;
  attempts: number;
}

export interface EngineEvents {
  attempt: [AttemptReport];
  settled: [SettledReport];
}

export interface DeliveryRunnerOptions {
  outbox: Outbox;
  timeoutMs: number;
  retryTimeScale: number;
  successRule: SuccessRule;
  concurrency: number;
  endpointConcurrency: number;
  /** longest retry wait a run holds in memory; a longer one parks the delivery */
  horizonMs: number;
  targets?: TargetGuard | undefined;
  /** hears every attempt and settlement */
  events: EventEmitter<EngineEvents>;
  logger?: Logger | undefined;
  clock: () => number;
}

class FailedAttemptError extends Error {
  override readonly name = 'FailedAttemptError';
  /** set when the delivery parked in the outbox until then instead of waiting in this run */
  readonly parkedUntil: number | undefined;

  constructor(message: string, parkedUntil: number | undefined) {
    super(message);
    this.parkedUntil = parkedUntil;
  }
}

export class StoppedError extends Error {
  override readonly name = 'StoppedError';
}

/** the outbox row moved on without this run (another process, a recovery): the run ends quietly */
class SupersededError extends Error {
  override readonly name = 'SupersededError';
}

/**
 * What one run of a delivery does: its attempts, each within the concurrency limits, the outcome
 * written before anyone hears of it, and the retries p-retry waits for up to the horizon.
 */
export class DeliveryRunner {
  readonly #options: DeliveryRunnerOptions;
  readonly #clock: () => number;
  readonly #limit: ConcurrencyLimit;
  readonly #endpointLimit: KeyedConcurrencyLimit;
  readonly #horizonMs: number;

  constructor(options: DeliveryRunnerOptions) {
    this.#options = options;
    this.#clock = options.clock;
    this.#limit = new ConcurrencyLimit(options.concurrency);
    this.#endpointLimit = new KeyedConcurrencyLimit(options.endpointConcurrency);
    this.#horizonMs = options.horizonMs;
  }

  /** the sender died during attempt n: count it as failed and continue the schedule from its start */
  recoverInterrupted(job: DeliverySchedule): void {
    const { outbox, retryTimeScale } = this.#options;
    const n = job.attemptCount;
    const startedAt = outbox.attemptStartedAt(job.id, n) ?? this.#clock();
    const wait = waitAfterAttempt(n, retryTimeScale);
    const outcome = {
      durationMs: 0,
      status: null,
      error: 'sender stopped during the attempt',
      responseBody: null,
    };
    const now = this.#clock();
    if (wait === undefined) {
      if (outbox.finishAttempt(job.id, n, outcome, { state: 'failed' }, now)) {
        this.#options.events.emit('settled', { deliveryId: job.id, state: 'failed', attempts: n });
      }
      return;
    }
    outbox.finishAttempt(
      job.id,
      n,
      outcome,
      { state: 'pending', nextAttemptAt: startedAt + wait, parked: true },
      now,
    );
  }

  /**
   * One run: attempts from the delivery's place in the schedule until it succeeds, fails for good,
   * or parks. Resolves with the time it parked until, if it did.
   */
  async run(job: DeliverySchedule, signal: AbortSignal): Promise<number | undefined> {
    const { retryTimeScale } = this.#options;
    let attemptNumber = job.attemptCount;
    try {
      await pRetry(
        async () => {
          attemptNumber++;
          await this.#attempt(job, attemptNumber, signal);
        },
        {
          ...retryOptionsAfter(job.attemptCount, retryTimeScale),
          signal,
          // p-retry asks this before it computes a delay or arms a timer: a parked delivery ends the
          // run here with nothing left behind (the last attempt never gets this far: no retries left)
          shouldRetry: ({ error }) => error instanceof FailedAttemptError && error.parkedUntil === undefined,
        },
      );
    } catch (error) {
      if (error instanceof FailedAttemptError) {
        return error.parkedUntil;
      }
      if (error instanceof SupersededError) {
        this.#options.logger?.warn({ deliveryId: job.id, attempt: attemptNumber }, error.message);
        return undefined;
      }
      if (!signal.aborted) {
        throw error;
      }
    }
    return undefined;
  }

  async #attempt(schedule: DeliverySchedule, n: number, signal: AbortSignal): Promise<void> {
    const { outbox, timeoutMs, successRule, retryTimeScale } = this.#options;
    const { job, outcome } = await this.#endpointLimit.run(schedule.endpointId, () =>
      this.#limit.run(async () => {
        signal.throwIfAborted();
        // read once a slot is free, never held through a wait: queued and scheduled retries stay light
        const job = outbox.job(schedule.id);
        if (!job) {
          throw new Error(`delivery ${schedule.id} is gone from the outbox`);
        }
        // committed (with the other attempts starting in this tick) before the request goes out
        if (!(await outbox.commitBeginAttempt(job.id, n, this.#clock()))) {
          throw new SupersededError(
            `attempt ${n} not sent: the delivery moved on in the outbox without this run`,
          );
        }
        const outcome = await sendAttempt(
          {
            url: job.url,
            body: job.body,
            secret: job.secret,
            secretHeader: job.secretHeader,
            signatureId: job.sign ? job.eventId : undefined,
            signingKey: job.signingKey,
            timeoutMs,
          },
          this.#clock,
          this.#options.targets,
        );
        return { job, outcome };
      }),
    );
    const succeeded = outcome.status !== null && isSuccessStatus(outcome.status, successRule);
    const nextWaitMs = succeeded ? undefined : waitAfterAttempt(n, retryTimeScale);
    const now = this.#clock();
    // the park is decided here so it rides in the same write as the outcome
    const parked = nextWaitMs !== undefined && nextWaitMs > this.#horizonMs;
    const nextAttemptAt = nextWaitMs === undefined ? undefined : now + nextWaitMs;
    const next: NextStep = succeeded
      ? { state: 'succeeded' }
      : nextAttemptAt === undefined
        ? { state: 'failed' }
        : { state: 'pending', nextAttemptAt, parked };
    // committed before anyone hears of the outcome and before any wait starts
    if (!(await outbox.commitFinishAttempt(job.id, n, outcome, next, now))) {
      throw new SupersededError(
        `outcome of attempt ${n} (${outcome.status === null ? outcome.error : `HTTP ${outcome.status}`}) ignored: ` +
          'the delivery moved on in the outbox meanwhile (recovered as interrupted by another process?)',
      );
    }
    this.#options.logger?.info(
      { deliveryId: job.id, url: job.url, attempt: n, status: outcome.status, error: outcome.error },
      succeeded ? 'delivered' : 'attempt failed',
    );
    this.#options.events.emit('attempt', {
      deliveryId: job.id,
      url: job.url,
      n,
      outcome,
      succeeded,
      nextWaitMs,
    });
    if (succeeded || nextWaitMs === undefined) {
      this.#options.events.emit('settled', {
        deliveryId: job.id,
        state: succeeded ? 'succeeded' : 'failed',
        attempts: n,
      });
    }
    if (!succeeded) {
      throw new FailedAttemptError(
        outcome.error ?? `HTTP ${outcome.status}`,
        parked ? nextAttemptAt : undefined,
      );
    }
  }
}
