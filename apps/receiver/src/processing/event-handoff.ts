import type { WebhookEvent } from '@omni-webhooks/schema';
import type { ClaimedEvent, InsertResult } from '../store/inbox-store.js';

// events being handed over (inserts holding a slot, events waiting for a handler) per handler slot:
// enough that concurrent requests rarely fall back to a claim, few enough to bound the payloads held
export const HANDOFF_FACTOR = 4;

/**
 * the hand-off of freshly stored events from the ingest to whoever runs them, in memory: a store
 * that leases an event at insert passes it on here, with no claim round trip.
 *
 * the hand-off itself:
 *
 *     CLOSED --open()--> OPEN --close()--> CLOSED
 *
 * `reserve()` answers a slot only while OPEN and while slots RESERVED plus events WAITING stay
 * below `capacity`. each slot, from `reserve()` on:
 *
 *     RESERVED --settle(leased result), OPEN--> WAITING --take()--> TAKEN
 *     RESERVED --settle(no lease, or CLOSED)--> FREED
 *     WAITING  --close()--> DROPPED (handed back by close(); their leases expire, or a release frees them)
 *
 * `settle` counts once: a second call is ignored. entering WAITING calls `adopt` (the taker begins to
 * hold the lease there, e.g. renewing it) and then `onWaiting`; taking is oldest first.
 */
export interface EventHandoff<Lease> {
  open(): void;
  /** refuses further slots and hands back the events still WAITING */
  close(): HandedOverEvent<Lease>[];
  /** a slot for an event about to be inserted; undefined while CLOSED or full */
  reserve(): HandoffSlot | undefined;
  /** the oldest WAITING event, now TAKEN; undefined when none waits */
  take(): HandedOverEvent<Lease> | undefined;
  /** events WAITING */
  readonly waiting: number;
}

export interface HandoffSlot {
  /** the lease to ask the store for at insert */
  leaseMs: number;
  /**
   * passes the event on if the insert leased it (`claimed`), else frees the slot; call exactly once.
   * `event`: the payload as the ingest already validated it, so the taker need not parse it again
   */
  settle(result: InsertResult | undefined, event?: WebhookEvent): void;
}

export interface HandedOverEvent<Lease> {
  claimed: ClaimedEvent;
  lease: Lease;
  event: WebhookEvent | undefined;
}

export interface EventHandoffOptions<Lease> {
  /** slots reserved plus events waiting, at most */
  capacity: number;
  leaseMs: number;
  /** an event enters WAITING: from now on its lease is held for it */
  adopt: (claimed: ClaimedEvent) => Lease;
  /** called after an event entered WAITING */
  onWaiting: () => void;
}

export function createEventHandoff<Lease>(options: EventHandoffOptions<Lease>): EventHandoff<Lease> {
  const { capacity, leaseMs } = options;
  let open = false;
  let reserved = 0;
  // oldest first
  const waiting: HandedOverEvent<Lease>[] = [];

  return {
    open() {
      open = true;
    },
    close() {
      open = false;
      return waiting.splice(0);
    },
    reserve() {
      if (!open || reserved + waiting.length >= capacity) return undefined;
      reserved += 1;
      let settled = false;
      return {
        leaseMs,
        settle(result, event) {
          if (settled) return;
          settled = true;
          reserved -= 1;
          const claimed = result?.claimed;
          if (!claimed || !open) return;
          waiting.push({ claimed, lease: options.adopt(claimed), event });
          options.onWaiting();
        },
      };
    },
    take() {
      return waiting.shift();
    },
    get waiting() {
      return waiting.length;
    },
  };
}
