import { EventEmitter } from 'node:events';
import { isSuccessStatus, type SuccessRule } from '@omni-webhooks/contract';
import pRetry from 'p-retry';
import type { Logger } from 'pino';
import { ConcurrencyLimit, KeyedConcurrencyLimit } from './concurrency-limit.js';
import { sendAttempt } from './delivery-attempt.js';
import type { AttemptOutcome, DeliverySchedule, DeliveryState, Outbox } from './outbox.js';
import { retryOptionsAfter, waitAfterAttempt } from './retry-schedule.js';

export interface DeliveryEngineOptions {
  outbox: Outbox;
  timeoutMs: number;
  retryTimeScale: number;
  successRule: SuccessRule;
  /** attempts in flight at once, all endpoints together */
  concurrency: number;
  /** attempts in flight at once to one endpoint */
  endpointConcurrency: number;
  logger?: Logger | undefined;
  clock?: () => number;
}

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

interface EngineEvents {
  attempt: [AttemptReport];
  settled: [SettledReport];
}

class FailedAttemptError extends Error {
  override readonly name = 'FailedAttemptError';
}

class StoppedError extends Error {
  override readonly name = 'StoppedError';
}

/**
 * Runs deliveries on the contract schedule. The outbox row (attempt count, next attempt time) is the
 * truth: it is written before every wait, and a delivery picked up after a restart continues from it.
 * p-retry drives the attempts and waits of one run; a slot of the concurrency limits is held only
 * while a request is in flight, never during a wait.
 */
export class DeliveryEngine extends EventEmitter<EngineEvents> {
  readonly #options: DeliveryEngineOptions;
  readonly #clock: () => number;
  readonly #limit: ConcurrencyLimit;
  readonly #endpointLimit: KeyedConcurrencyLimit;
  // one controller per run: a single shared signal would collect a listener per waiting delivery
  readonly #running = new Map<string, { done: Promise<void>; controller: AbortController }>();
  #stopping = false;

  constructor(options: DeliveryEngineOptions) {
    super();
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    this.#limit = new ConcurrencyLimit(options.concurrency);
    this.#endpointLimit = new KeyedConcurrencyLimit(options.endpointConcurrency);
  }

  /** deliveries currently scheduled or in flight in this process */
  get runningCount(): number {
    return this.#running.size;
  }

  /** picks up every unsettled delivery from the outbox, each at its stored time */
  resume(): number {
    const schedules = this.#options.outbox.openSchedules();
    for (const schedule of schedules) {
      this.#start(schedule.state === 'in_flight' ? this.#recoverInterrupted(schedule) : schedule);
    }
    return schedules.length;
  }

  /** starts a delivery that is in the outbox; a delivery already running is left alone */
  schedule(deliveryId: string): void {
    const job = this.#options.outbox.job(deliveryId);
    if (!job) {
      throw new Error(`unknown delivery ${deliveryId}`);
    }
    if (job.state === 'pending') {
      const { id, endpointId, state, attemptCount, nextAttemptAt } = job;
      this.#start({ id, endpointId, state, attemptCount, nextAttemptAt });
    }
  }

  /** resolves when every running delivery settled or parked for a restart */
  async idle(): Promise<void> {
    while (this.#running.size > 0) {
      await Promise.all(Array.from(this.#running.values(), (run) => run.done));
    }
  }

  /**
   * Cancels every wait and lets requests in flight finish (each is bounded by the timeout), so no
   * attempt is cut off; rows stay pending in the outbox and resume on the next start.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    const reason = new StoppedError('delivery engine stopped');
    for (const run of this.#running.values()) {
      run.controller.abort(reason);
    }
    await this.idle();
    this.#stopping = false;
  }

  #start(job: DeliverySchedule): void {
    if (this.#running.has(job.id) || this.#stopping) {
      return;
    }
    const controller = new AbortController();
    const done = this.#run(job, controller.signal)
      .catch((error: unknown) => {
        this.#options.logger?.error({ err: error, deliveryId: job.id }, 'delivery run crashed');
      })
      .finally(() => this.#running.delete(job.id));
    this.#running.set(job.id, { done, controller });
  }

  /** the sender died during attempt n: count it as failed and continue the schedule from its start */
  #recoverInterrupted(job: DeliverySchedule): DeliverySchedule {
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
      outbox.finishAttempt(job.id, n, outcome, { state: 'failed' }, now);
      this.emit('settled', { deliveryId: job.id, state: 'failed', attempts: n });
      return { ...job, state: 'failed' };
    }
    const nextAttemptAt = startedAt + wait;
    outbox.finishAttempt(job.id, n, outcome, { state: 'pending', nextAttemptAt }, now);
    return { ...job, state: 'pending', nextAttemptAt };
  }

  async #run(job: DeliverySchedule, signal: AbortSignal): Promise<void> {
    if (job.state !== 'pending') {
      return;
    }
    const { retryTimeScale } = this.#options;
    try {
      // a resumed delivery first waits out the time stored before the restart
      await sleepUntil(job.nextAttemptAt ?? 0, this.#clock, signal);
      let attemptNumber = job.attemptCount;
      await pRetry(
        async () => {
          attemptNumber++;
          await this.#attempt(job, attemptNumber, signal);
        },
        {
          ...retryOptionsAfter(job.attemptCount, retryTimeScale),
          signal,
          shouldRetry: ({ error }) => error instanceof FailedAttemptError,
        },
      );
    } catch (error) {
      if (signal.aborted) {
        return;
      }
      if (!(error instanceof FailedAttemptError)) {
        throw error;
      }
    }
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
        outbox.beginAttempt(job.id, n, this.#clock());
        const outcome = await sendAttempt(
          {
            url: job.url,
            body: job.body,
            secret: job.secret,
            secretHeader: job.secretHeader,
            signatureId: job.sign ? job.eventId : undefined,
            timeoutMs,
          },
          this.#clock,
        );
        return { job, outcome };
      }),
    );
    const succeeded = outcome.status !== null && isSuccessStatus(outcome.status, successRule);
    const nextWaitMs = succeeded ? undefined : waitAfterAttempt(n, retryTimeScale);
    const now = this.#clock();
    if (succeeded) {
      outbox.finishAttempt(job.id, n, outcome, { state: 'succeeded' }, now);
    } else if (nextWaitMs === undefined) {
      outbox.finishAttempt(job.id, n, outcome, { state: 'failed' }, now);
    } else {
      outbox.finishAttempt(job.id, n, outcome, { state: 'pending', nextAttemptAt: now + nextWaitMs }, now);
    }
    this.#options.logger?.info(
      { deliveryId: job.id, url: job.url, attempt: n, status: outcome.status, error: outcome.error },
      succeeded ? 'delivered' : 'attempt failed',
    );
    this.emit('attempt', { deliveryId: job.id, url: job.url, n, outcome, succeeded, nextWaitMs });
    if (succeeded || nextWaitMs === undefined) {
      this.emit('settled', { deliveryId: job.id, state: succeeded ? 'succeeded' : 'failed', attempts: n });
    }
    if (!succeeded) {
      throw new FailedAttemptError(outcome.error ?? `HTTP ${outcome.status}`);
    }
  }
}

/** resolves at `time` on the engine clock, or rejects when the engine stops */
function sleepUntil(time: number, clock: () => number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  const ms = time - clock();
  if (ms <= 0) {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
