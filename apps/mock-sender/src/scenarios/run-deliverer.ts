// a persisted run's deliveries through the service's own outbox and engine (the one every other
// delivery uses: timeout, retries, signing, attempt log, the console's feed). each plan entry handed
// over is a row of the run, written with the outbox row, so a restarted run knows what it sent: an
// entry handed over before the restart is left to the outbox to finish, never enqueued twice
import type { PlannedDelivery } from '@omni-webhooks/schema/fixtures';
import type { AttemptReport, DeliveryEngine, SettledReport } from '../delivery/delivery-engine.js';
import { dispatchInTransaction } from '../dispatch/dispatch.js';
import type { DeliverySummary, DeliveryTarget, Outbox } from '../outbox/outbox.js';
import type { RunTally } from './run-tally.js';
import type { AttemptRecord, DeliveryOutcome, ScenarioDeliverer } from './scenario-progress.js';
import type { ScenarioRunStore } from './scenario-run-store.js';

export interface RunDelivererParts {
  /** the body an original is sent with (the sender's own document links); default the plan's */
  prepareBody?: ((delivery: PlannedDelivery) => string) | undefined;
  runId: string;
  store: ScenarioRunStore;
  outbox: Outbox;
  /** the service's engine, shared: never stopped from here */
  engine: DeliveryEngine;
  target: DeliveryTarget;
  tally: RunTally;
  /** plan index -> outbox delivery id of the entries handed over in earlier sessions of the run */
  handedOver: ReadonlyMap<number, string>;
  /** clock ms the plan's due times count from */
  runStartMs: number;
  clock: () => number;
}

interface Waiter {
  delivery: PlannedDelivery;
  attempts: AttemptRecord[];
  attempt: (record: AttemptRecord) => void;
  resolve: (outcome: DeliveryOutcome | undefined) => void;
  reject: (error: unknown) => void;
}

export interface RunDeliverer extends ScenarioDeliverer {
  /** stops listening to the engine */
  detach(): void;
}

export function createRunDeliverer(parts: RunDelivererParts): RunDeliverer {
  const { runId, store, outbox, engine, target, tally, runStartMs, clock } = parts;
  const handedOver = new Map(parts.handedOver);
  const waiters = new Map<string, Waiter>();

  const settle = (deliveryId: string, state: 'succeeded' | 'failed') => {
    const waiter = waiters.get(deliveryId);
    if (!waiter) return;
    waiters.delete(deliveryId);
    try {
      const order = tally.settled(waiter.delivery, state);
      store.recordSettled(runId, waiter.delivery.index, state, order, clock() - runStartMs);
      waiter.resolve({ state, attempts: waiter.attempts });
    } catch (error) {
      // never thrown into the engine, whose event this is: the run ends with it instead
      waiter.reject(error);
    }
  };
  const onAttempt = (report: AttemptReport) => {
    const waiter = waiters.get(report.deliveryId);
    if (!waiter) return;
    const { status, error, durationMs } = report.outcome;
    const record = { n: report.n, status, error, durationMs };
    waiter.attempts = [...waiter.attempts.filter((earlier) => earlier.n !== record.n), record];
    waiter.attempt(record);
  };
  const onSettled = (report: SettledReport) => settle(report.deliveryId, report.state);
  engine.on('attempt', onAttempt);
  engine.on('settled', onSettled);

  /** the outbox row and the run's row in one transaction; the engine starts it once that committed */
  const handOver = (delivery: PlannedDelivery): string => {
    const now = clock();
    const id = dispatchInTransaction({ outbox, engine }, () => {
      let row: DeliverySummary | undefined;
      if (delivery.duplicateOf === undefined) {
        const body = parts.prepareBody ? parts.prepareBody(delivery) : delivery.body;
        const event = { id: delivery.webhookId, type: delivery.type, body };
        [row] = outbox.enqueue([event], () => [target], now);
      } else {
        // the same event again: same bytes, same `webhook-id`
        const original = handedOver.get(delivery.duplicateOf);
        if (original === undefined) {
          throw new Error(`duplicate #${delivery.index} came before its original #${delivery.duplicateOf}`);
        }
        row = outbox.redeliver(original, now);
      }
      if (!row) throw new Error(`plan entry #${delivery.index} was not enqueued`);
      store.recordDispatch(runId, delivery.index, row.id, now - runStartMs);
      return row.id;
    });
    handedOver.set(delivery.index, id);
    tally.dispatched(delivery);
    return id;
  };

  return {
    deliver(delivery, { attempt }) {
      return new Promise((resolve, reject) => {
        const earlier = handedOver.get(delivery.index);
        // attempts start after the enqueue committed (the begin-attempt write is awaited): none is missed
        const id = earlier ?? handOver(delivery);
        const attempts = earlier === undefined ? [] : store.attemptsOf(id);
        waiters.set(id, { delivery, attempts, attempt, resolve, reject });
        if (earlier === undefined) return;
        // handed over before a restart: the engine resumed it, or it settled while nobody listened
        const state = outbox.schedule(id)?.state;
        if (state === 'succeeded' || state === 'failed') settle(id, state);
        if (state === undefined) {
          waiters.delete(id);
          reject(new Error(`delivery ${id} of plan entry #${delivery.index} is gone from the outbox`));
        }
      });
    },
    async stop() {
      // the rows stay with the engine, which finishes them as any delivery; this run stops waiting
      for (const waiter of waiters.values()) waiter.resolve(undefined);
      waiters.clear();
    },
    detach() {
      engine.off('attempt', onAttempt);
      engine.off('settled', onSettled);
    },
  };
}
