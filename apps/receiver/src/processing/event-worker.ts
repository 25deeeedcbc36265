import { safeParseWebhookEvent, type ValidationMode, type WebhookEvent } from '@omni-webhooks/schema';
import type { Logger } from 'pino';
import type { ReceiverMetrics } from '../metrics.js';
import type { ClaimedEvent, InboxStore } from '../store/inbox-store.js';
import type { HandlerRegistry } from './handler-registry.js';
import { handlerRetryDelayMs } from './retry-backoff.js';

export interface EventWorkerOptions {
  store: InboxStore;
  handlers: HandlerRegistry;
  logger: Logger;
  metrics?: ReceiverMetrics;
  validationMode?: ValidationMode;
  /** retries after the first failed attempt; then the event is `failed` */
  maxRetries?: number;
  retryBaseMs?: number;
  /** how long a claim is exclusive; a crashed worker's events are retried after it */
  leaseMs?: number;
  pollIntervalMs?: number;
  batchSize?: number;
}

export interface EventWorker {
  start(): void;
  /** stops claiming, lets running handlers finish for up to `timeoutMs` (their leases cover the rest) */
  stop(timeoutMs?: number): Promise<void>;
  /** wakes an idle worker, e.g. right after an insert */
  notify(): void;
  /** claims and processes one batch; resolves with how many events it handled */
  runOnce(): Promise<number>;
}

export function createEventWorker(options: EventWorkerOptions): EventWorker {
  const { store, handlers, logger, metrics } = options;
  const maxRetries = options.maxRetries ?? 5;
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const leaseMs = options.leaseMs ?? 60_000;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const batchSize = options.batchSize ?? 32;
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let woken = false;

  async function processEvent(claimed: ClaimedEvent): Promise<void> {
    const started = process.hrtime.bigint();
    const context = { id: claimed.id, attempt: claimed.handlerAttempts };
    let event: WebhookEvent | undefined;
    try {
      const validation = safeParseWebhookEvent(JSON.parse(claimed.payload) as unknown, {
        mode: options.validationMode ?? 'lenient',
      });
      if (!validation.success) throw validation.error;
      event = validation.data;
      await handlers.dispatch(event, context);
    } catch (error) {
      await recordFailure(claimed, event, error, started);
      return;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    metrics?.handlerDuration.observe({ type: claimed.type, result: 'success' }, seconds);
    // the handlers succeeded: a completion that cannot be written is no handler failure. the lease
    // then expires and the event runs again (at-least-once)
    try {
      if (!(await store.complete(claimed.id, claimed.leaseToken))) {
        logger.warn(
          { id: claimed.id, type: claimed.type },
          'lease lost before completion; event will run again',
        );
      }
    } catch (error) {
      logger.error(
        { id: claimed.id, type: claimed.type, error: describeError(error) },
        'could not mark the event processed; it will run again once its lease expires',
      );
    }
  }

  async function recordFailure(
    claimed: ClaimedEvent,
    event: WebhookEvent | undefined,
    error: unknown,
    started: bigint,
  ): Promise<void> {
    const context = { id: claimed.id, attempt: claimed.handlerAttempts };
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    metrics?.handlerDuration.observe({ type: claimed.type, result: 'failure' }, seconds);
    metrics?.handlerFailures.inc({ type: claimed.type });
    // an event that no longer parses will not parse on retry either
    const final = event === undefined || claimed.handlerAttempts > maxRetries;
    const message = describeError(error);
    for (const failure of await handlers.reportError(error, event, {
      ...context,
      type: claimed.type,
      final,
    })) {
      logger.error({ id: claimed.id, error: describeError(failure) }, 'error handler threw');
    }
    const retryAt = final
      ? null
      : new Date(Date.now() + handlerRetryDelayMs(claimed.handlerAttempts, retryBaseMs));
    await store.fail(claimed.id, claimed.leaseToken, message, retryAt);
    logger.warn(
      { id: claimed.id, type: claimed.type, attempt: claimed.handlerAttempts, error: message, retryAt },
      final ? 'handler failed for good' : 'handler failed; will retry',
    );
  }

  async function runOnce(): Promise<number> {
    const batch = await store.claim({ limit: batchSize, leaseMs, maxAttempts: maxRetries + 1 });
    await Promise.all(batch.map(processEvent));
    return batch.length;
  }

  function idle(): Promise<void> {
    if (woken) {
      woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, pollIntervalMs);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        woken = false;
        resolve();
      }
      wake = done;
    });
  }

  async function releaseLeases(): Promise<void> {
    try {
      const released = await store.releaseOrphanedLeases();
      if (released > 0) logger.info({ released }, 'released the leases of a previous run');
    } catch (error) {
      logger.error({ error: describeError(error) }, 'could not release old leases; they will expire');
    }
  }

  async function run(): Promise<void> {
    while (running) {
      let handled = 0;
      try {
        handled = await runOnce();
      } catch (error) {
        logger.error({ error: describeError(error) }, 'worker could not claim events; retrying');
      }
      if (handled === 0 && running) await idle();
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = releaseLeases().then(run);
    },
    async stop(timeoutMs = 10_000) {
      running = false;
      wake?.();
      if (!loop) return;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const result = await Promise.race([loop.then(() => 'done' as const), timedOut]);
      clearTimeout(timer);
      if (result === 'timeout')
        logger.warn({ timeoutMs }, 'handlers still running at shutdown; their leases will expire');
      loop = undefined;
    },
    notify() {
      if (wake) wake();
      else woken = true;
    },
    runOnce,
  };
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 4000);
  return String(error).slice(0, 4000);
}
