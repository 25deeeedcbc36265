import { safeParseWebhookEvent, type ValidationMode, type WebhookEvent } from '@omni-webhooks/schema';
import type { Logger } from 'pino';
import type { ReceiverMetrics } from '../metrics.js';
import {
  type ClaimedEvent,
  type ExhaustedEvent,
  type InboxQueue,
  NEVER_FINISHED_ERROR,
} from '../store/inbox-store.js';
import { type AttemptLease, createAttemptLeases } from './attempt-lease.js';
import { describeError } from './describe-error.js';
import { createEventHandoff, HANDOFF_FACTOR, type HandoffSlot } from './event-handoff.js';
import { withHandlerDeadline } from './handler-deadline.js';
import type { HandlerRegistry } from './handler-registry.js';
import { handlerRetryDelayMs } from './retry-backoff.js';

export interface EventWorkerOptions {
  store: InboxQueue;
  handlers: HandlerRegistry;
  logger: Logger;
  metrics?: ReceiverMetrics;
  validationMode?: ValidationMode;
  /** retries after the first failed attempt; then the event is `failed` */
  maxRetries?: number;
  retryBaseMs?: number;
  /** how long a claim is exclusive; renewed every third of it while the handler runs */
  leaseMs?: number;
  pollIntervalMs?: number;
  /** events handled at once; another is claimed as soon as one finishes (default 32) */
  concurrency?: number;
  /** an attempt running longer is aborted (context.signal) and counts as failed (default 30 000) */
  handlerTimeoutMs?: number;
}

export interface EventWorker {
  start(): void;
  /**
   * stops claiming, lets running handlers finish for up to `timeoutMs`, then aborts their signals and
   * stops renewing their leases
   */
  stop(timeoutMs?: number): Promise<void>;
  /** wakes an idle worker, e.g. right after an insert */
  notify(): void;
  /**
   * claims as many events as there are free slots and processes them (reporting those the claim failed
   * for having had every attempt); resolves with how many
   */
  runOnce(): Promise<number>;
  /**
   * holds a free slot for an event about to be inserted, so a store that leases it at insert hands it
   * over in memory (no claim); undefined when every slot is taken or the worker is not running
   */
  reserve(): HandoffSlot | undefined;
}

/** reported to the error handlers for an event whose last allowed attempt never finished */
export class HandlerNeverFinishedError extends Error {
  constructor(readonly attempts: number) {
    super(`${NEVER_FINISHED_ERROR} ${attempts}`);
    this.name = 'HandlerNeverFinishedError';
  }
}

export function createEventWorker(options: EventWorkerOptions): EventWorker {
  const { store, handlers, logger, metrics } = options;
  const maxRetries = options.maxRetries ?? 5;
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const leaseMs = options.leaseMs ?? 60_000;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const concurrency = Math.max(1, options.concurrency ?? 32);
  const handlerTimeoutMs = options.handlerTimeoutMs ?? 30_000;
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let woken = false;
  const active = new Set<Promise<void>>();
  const leases = createAttemptLeases({ store, leaseMs, logger });
  // events leased at insert wait there while every slot is busy; opened once the previous run's
  // leases are released, since that release would free a fresh lease too
  const handoff = createEventHandoff<AttemptLease>({
    capacity: HANDOFF_FACTOR * concurrency,
    leaseMs,
    adopt: (claimed) => leases.begin(claimed),
    onWaiting: () => startHandedOver(),
  });

  async function processEvent(
    claimed: ClaimedEvent,
    lease = leases.begin(claimed),
    validated?: WebhookEvent,
  ): Promise<void> {
    const started = process.hrtime.bigint();
    const { controller } = lease;
    const context = { id: claimed.id, attempt: claimed.handlerAttempts, signal: controller.signal };
    let event: WebhookEvent | undefined;
    try {
      const parsed = validated ?? parsePayload(claimed.payload);
      event = parsed;
      await withHandlerDeadline(handlers.dispatch(parsed, context), controller, handlerTimeoutMs);
    } catch (error) {
      lease.end();
      await recordFailure(claimed, event, error, started, controller.signal);
      return;
    }
    lease.end();
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

  /**
   * an event the claim failed for having had every attempt (its handler crashed the process, or
   * outlived its lease): the error handlers hear of it once, as final. never rejects (reportError
   * returns its handlers' failures)
   */
  async function reportExhausted(exhausted: ExhaustedEvent): Promise<void> {
    const error = new HandlerNeverFinishedError(exhausted.handlerAttempts);
    let event: WebhookEvent | undefined;
    try {
      event = parsePayload(exhausted.payload);
    } catch {
      // still reported, without the event, like any other that no longer parses
    }
    metrics?.handlerFailures.inc({ type: exhausted.type });
    logger.warn(
      {
        id: exhausted.id,
        type: exhausted.type,
        attempt: exhausted.handlerAttempts,
        error: describeError(error),
      },
      'handler never finished its last attempt; failed for good',
    );
    for (const failure of await handlers.reportError(error, event, {
      id: exhausted.id,
      attempt: exhausted.handlerAttempts,
      // no attempt runs, so nothing aborts it
      signal: new AbortController().signal,
      type: exhausted.type,
      final: true,
    })) {
      logger.error({ id: exhausted.id, error: describeError(failure) }, 'error handler threw');
    }
  }

  function parsePayload(payload: string): WebhookEvent {
    const validation = safeParseWebhookEvent(JSON.parse(payload) as unknown, {
      mode: options.validationMode ?? 'lenient',
    });
    if (!validation.success) throw validation.error;
    return validation.data;
  }

  /** runs one claimed event in a slot; never rejects */
  function startEvent(claimed: ClaimedEvent, lease?: AttemptLease, event?: WebhookEvent): Promise<void> {
    return occupySlot(
      processEvent(claimed, lease, event).catch((error: unknown) =>
        logger.error({ id: claimed.id, error: describeError(error) }, 'could not record a handler result'),
      ),
    );
  }

  /** a slot is held until `work` settles: handlers and error handlers both count against concurrency */
  function occupySlot(work: Promise<void>): Promise<void> {
    const task: Promise<void> = work.finally(() => {
      active.delete(task);
      startHandedOver();
    });
    active.add(task);
    return task;
  }

  /** events leased at insert go first: this process already holds them */
  function startHandedOver(): void {
    while (active.size < concurrency) {
      const next = handoff.take();
      if (!next) return;
      // its lease was lost while it waited (a renewal failed): the event is no longer this worker's
      if (next.lease.controller.signal.aborted) next.lease.end();
      else startEvent(next.claimed, next.lease, next.event);
    }
  }

  /** slots neither running nor promised to a handed-over event */
  function freeSlots(): number {
    return Math.max(0, concurrency - active.size - handoff.waiting);
  }

  /**
   * claims into the free slots and starts each event; the events the claim failed for having had every
   * attempt take a slot while their error handlers run. `taken`: slots the claim filled
   */
  async function claimFree(): Promise<{ taken: number; tasks: Promise<void>[] }> {
    const exhausted: ExhaustedEvent[] = [];
    const claimed = await store.claim({
      limit: freeSlots(),
      leaseMs,
      maxAttempts: maxRetries + 1,
      onExhausted: (events) => exhausted.push(...events),
    });
    const tasks = [
      ...exhausted.map((event) => occupySlot(reportExhausted(event))),
      ...claimed.map((event) => startEvent(event)),
    ];
    return { taken: tasks.length, tasks };
  }

  async function recordFailure(
    claimed: ClaimedEvent,
    event: WebhookEvent | undefined,
    error: unknown,
    started: bigint,
    signal: AbortSignal,
  ): Promise<void> {
    const context = { id: claimed.id, attempt: claimed.handlerAttempts, signal };
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
    if (freeSlots() === 0) return 0;
    const { taken, tasks } = await claimFree();
    await Promise.all(tasks);
    return taken;
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

  // claims into free slots as they free up: a slow or hung handler holds its own slot, never the others
  async function run(): Promise<void> {
    while (running) {
      const free = freeSlots();
      if (free <= 0) {
        await Promise.race(active);
        continue;
      }
      let taken = 0;
      try {
        ({ taken } = await claimFree());
      } catch (error) {
        logger.error({ error: describeError(error) }, 'worker could not claim events; retrying');
      }
      // fewer than asked for: nothing else is due until an insert, a retry time or the next poll
      if (taken < free && running) await idle();
    }
  }

  async function releaseLeases(): Promise<void> {
    try {
      const released = await store.releaseOrphanedLeases();
      if (released > 0) logger.info({ released }, 'released the leases of a previous run');
    } catch (error) {
      logger.error({ error: describeError(error) }, 'could not release old leases; they will expire');
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = releaseLeases().then(() => {
        if (running) handoff.open();
        return run();
      });
    },
    async stop(timeoutMs = 10_000) {
      running = false;
      // queued events never started: their leases expire, or the next start releases them
      for (const { lease } of handoff.close()) lease.end();
      wake?.();
      if (!loop) return;
      const current = loop;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const finished = (async () => {
        await current;
        await Promise.allSettled([...active]);
        return 'done' as const;
      })();
      const result = await Promise.race([finished, timedOut]);
      clearTimeout(timer);
      if (result === 'timeout') {
        logger.warn(
          { timeoutMs, running: leases.held },
          'handlers still running at shutdown; aborted, their leases will expire',
        );
        leases.abandonAll(new Error('receiver shutting down'));
      }
      loop = undefined;
    },
    notify() {
      if (wake) wake();
      else woken = true;
    },
    runOnce,
    reserve: () => handoff.reserve(),
  };
}
