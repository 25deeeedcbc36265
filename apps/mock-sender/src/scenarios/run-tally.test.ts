import { builtInScenario, createScenarioPlan } from '@omni-webhooks/schema/fixtures';
import { describe, expect, it } from 'vitest';
import { RunTally } from './run-tally.js';
import type { PlayedDelivery } from './scenario-progress.js';
import { countOutOfOrderArrivals } from './scenario-summary.js';

const plan = createScenarioPlan(builtInScenario('lead-journey'), {
  leads: 20,
  duplicates: 0.2,
  reorderWindowMs: 300_000,
  seed: 4,
});

/** a seeded shuffle: arrival orders far from the plan's */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i -= 1) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('RunTally', () => {
  it('counts out-of-order arrivals as they come, as countOutOfOrderArrivals does afterwards', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const tally = new RunTally(plan.deliveries.length);
      const played: PlayedDelivery[] = [];
      for (const [i, delivery] of shuffled(plan.deliveries, seed).entries()) {
        const state = i % 9 === 4 ? 'failed' : 'succeeded';
        tally.dispatched(delivery);
        const settleOrder = tally.settled(delivery, state);
        played.push({
          state,
          attempts: [],
          index: delivery.index,
          delivery,
          startedAtMs: 0,
          settledAtMs: 0,
          settleOrder,
        });
      }
      const expected = countOutOfOrderArrivals(played);
      expect(expected).toBeGreaterThan(0);
      expect(tally.progress).toMatchObject({
        planned: plan.deliveries.length,
        started: plan.deliveries.length,
        inFlight: 0,
        duplicates: plan.duplicates,
        outOfOrder: expected,
      });
    }
  });

  it('counts none when a lead arrives in journey order', () => {
    const tally = new RunTally(plan.deliveries.length);
    const inOrder = [...plan.deliveries].sort(
      (a, b) => a.journeyIndex - b.journeyIndex || a.sequence - b.sequence,
    );
    for (const delivery of inOrder) {
      tally.dispatched(delivery);
      tally.settled(delivery, 'succeeded');
    }
    expect(tally.progress.outOfOrder).toBe(0);
    expect(tally.progress.succeeded).toBe(plan.deliveries.length);
  });
});
