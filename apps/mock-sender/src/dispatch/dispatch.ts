import type { DeliveryEngine } from '../delivery/delivery-engine.js';
import type { DeliverySummary, DeliveryTarget, Outbox, OutboxEvent } from '../outbox/outbox.js';

// the one way a delivery starts: written to the outbox first, then handed to the engine, so a crash
// between the two leaves a pending row the next start picks up rather than an attempt with no record

/** what dispatching needs of the outbox and of the engine */
export interface DispatchParts {
  outbox: Pick<Outbox, 'enqueue' | 'redeliver'>;
  engine: Pick<DeliveryEngine, 'schedule' | 'scheduleAll'>;
}

/**
 * for a caller that writes rows of its own with the delivery: `enqueue` (outbox.enqueue or redeliver,
 * and those rows) runs in one outbox transaction, answering the delivery's id, and the engine gets it
 * only once that committed. Scheduled inside, a rollback would leave the engine running a row that is gone
 */
export function dispatchInTransaction(
  { outbox, engine }: { outbox: Pick<Outbox, 'transaction'>; engine: Pick<DeliveryEngine, 'schedule'> },
  enqueue: () => string,
): string {
  const id = outbox.transaction(enqueue);
  engine.schedule(id);
  return id;
}

/** stores the events with one delivery per (event, target), then schedules every delivery */
export function dispatchEvents(
  { outbox, engine }: DispatchParts,
  events: readonly OutboxEvent[],
  targetsFor: (event: OutboxEvent) => readonly DeliveryTarget[],
  now: number,
): DeliverySummary[] {
  const deliveries = outbox.enqueue(events, targetsFor, now);
  engine.scheduleAll(deliveries.map((delivery) => delivery.id));
  return deliveries;
}

/** a new delivery of a delivery's bytes to its target, scheduled; undefined when there is no such delivery */
export function dispatchRedelivery(
  { outbox, engine }: DispatchParts,
  deliveryId: string,
  now: number,
): DeliverySummary | undefined {
  const delivery = outbox.redeliver(deliveryId, now);
  if (delivery) engine.schedule(delivery.id);
  return delivery;
}
