// a run's counts as it plays, across restarts: rebuilt from its rows on resume, then kept up by the
// deliverer as plan entries are handed over and settle
import type { PlannedDelivery } from '@omni-webhooks/schema/fixtures';
import type { RunProgress } from './scenario-run-store.js';

export class RunTally {
  readonly #planned: number;
  #started = 0;
  #settled = 0;
  #succeeded = 0;
  #failed = 0;
  #duplicates = 0;
  #outOfOrder = 0;
  // per journey, the sequences of arrived originals not yet counted as early: always ascending, so a
  // new arrival counts (and drops) every one above it, the same count countOutOfOrderArrivals makes
  readonly #uncounted = new Map<number, number[]>();

  constructor(planned: number) {
    this.#planned = planned;
  }

  /** a plan entry handed to the outbox */
  dispatched(delivery: PlannedDelivery): void {
    this.#started += 1;
    if (delivery.duplicateOf !== undefined) this.#duplicates += 1;
  }

  /** a plan entry settled; answers its settle order in the whole run (0, 1, 2...) */
  settled(delivery: PlannedDelivery, state: 'succeeded' | 'failed'): number {
    const order = this.#settled;
    this.#settled += 1;
    if (state === 'succeeded') this.#succeeded += 1;
    else this.#failed += 1;
    if (state === 'succeeded' && delivery.duplicateOf === undefined) {
      const stack = this.#uncounted.get(delivery.journeyIndex) ?? [];
      while ((stack.at(-1) ?? Number.NEGATIVE_INFINITY) > delivery.sequence) {
        stack.pop();
        this.#outOfOrder += 1;
      }
      stack.push(delivery.sequence);
      this.#uncounted.set(delivery.journeyIndex, stack);
    }
    return order;
  }

  get settledCount(): number {
    return this.#settled;
  }

  get progress(): RunProgress {
    return {
      planned: this.#planned,
      started: this.#started,
      inFlight: this.#started - this.#settled,
      settled: this.#settled,
      succeeded: this.#succeeded,
      failed: this.#failed,
      duplicates: this.#duplicates,
      outOfOrder: this.#outOfOrder,
    };
  }
}
