// a scenario's deliveries through the sender's own delivery engine and outbox: the same attempts,
// timeout, retry schedule, signing and attempt log as every other delivery. a duplicate is a
// redelivery of its original's outbox row (same event id, so the same `webhook-id`, same bytes)
import type { SuccessRule } from '@omni-webhooks/contract';
import type { PlannedDelivery } from '@omni-webhooks/schema/fixtures';
import type { AttemptReport, DeliveryEngine, SettledReport } from '../delivery/delivery-engine.js';
import { openInMemoryEngine } from '../delivery/in-memory-engine.js';
import { dispatchEvents, dispatchRedelivery } from '../dispatch/dispatch.js';
import type { DeliveryTarget, Outbox } from '../outbox/outbox.js';
import type { TargetGuard } from '../targets/target-guard.js';
import type { AttemptRecord, DeliveryOutcome, ScenarioDeliverer } from './scenario-progress.js';

export interface EngineDelivererParts {
  outbox: Outbox;
  /** an engine of the run's own: stop() stops it */
  engine: DeliveryEngine;
  target: DeliveryTarget;
  clock?: () => number;
}

interface Waiter {
  attempts: AttemptRecord[];
  attempt: (record: AttemptRecord) => void;
  resolve: (outcome: DeliveryOutcome | undefined) => void;
}

export interface EngineDeliverer extends ScenarioDeliverer {
  /** the outbox delivery id of a plan index once it was handed to the engine */
  outboxIdOf(index: number): string | undefined;
  /** stops listening to the engine */
  detach(): void;
}

export function createEngineDeliverer({
  outbox,
  engine,
  target,
  clock = Date.now,
}: EngineDelivererParts): EngineDeliverer {
  const waiters = new Map<string, Waiter>();
  const outboxIds = new Map<number, string>();
  // the first outbox row of each webhook id: what a duplicate redelivers
  const firstRows = new Map<string, string>();
  const onAttempt = (report: AttemptReport) => {
    const waiter = waiters.get(report.deliveryId);
    if (!waiter) return;
    const { status, error, durationMs } = report.outcome;
    const record = { n: report.n, status, error, durationMs };
    waiter.attempts.push(record);
    waiter.attempt(record);
  };
  const onSettled = (report: SettledReport) => {
    const waiter = waiters.get(report.deliveryId);
    if (!waiter) return;
    waiters.delete(report.deliveryId);
    waiter.resolve({ state: report.state, attempts: waiter.attempts });
  };
  engine.on('attempt', onAttempt);
  engine.on('settled', onSettled);

  const handOver = (delivery: PlannedDelivery): string => {
    const parts = { outbox, engine };
    const first = firstRows.get(delivery.webhookId);
    if (first !== undefined) {
      const redelivery = dispatchRedelivery(parts, first, clock());
      if (redelivery) return redelivery.id;
    }
    const event = { id: delivery.webhookId, type: delivery.type, body: delivery.body };
    const [row] = dispatchEvents(parts, [event], () => [target], clock());
    if (!row) throw new Error(`delivery ${delivery.index} was not enqueued`);
    firstRows.set(delivery.webhookId, row.id);
    return row.id;
  };

  return {
    deliver(delivery, { attempt }) {
      return new Promise((resolve) => {
        // attempts start after dispatch returns (the begin-attempt write is awaited): no report is missed
        const id = handOver(delivery);
        outboxIds.set(delivery.index, id);
        waiters.set(id, { attempts: [], attempt, resolve });
      });
    },
    async stop() {
      await engine.stop();
      for (const waiter of waiters.values()) waiter.resolve(undefined);
      waiters.clear();
    },
    outboxIdOf: (index) => outboxIds.get(index),
    detach() {
      engine.off('attempt', onAttempt);
      engine.off('settled', onSettled);
    },
  };
}

export interface InMemoryDelivererOptions {
  target: DeliveryTarget;
  /** the player's concurrency: the engine gets room for it and for in-flight duplicates riding along */
  concurrency: number;
  timeoutMs?: number | undefined;
  retryTimeScale?: number | undefined;
  successRule?: SuccessRule | undefined;
  targets?: TargetGuard | undefined;
}

/** an engine on a throwaway in-memory outbox (the CLI's); close() once the run is over */
export function createInMemoryDeliverer(
  options: InMemoryDelivererOptions,
): EngineDeliverer & { close(): Promise<void> } {
  const { db, outbox, engine } = openInMemoryEngine({
    concurrency: options.concurrency * 2,
    timeoutMs: options.timeoutMs,
    retryTimeScale: options.retryTimeScale,
    successRule: options.successRule,
    targets: options.targets,
  });
  const deliverer = createEngineDeliverer({ outbox, engine, target: options.target });
  return {
    ...deliverer,
    async close() {
      await engine.stop();
      deliverer.detach();
      db.close();
    },
  };
}
