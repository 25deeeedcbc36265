import { verifyWebhookSignature } from '@omni-webhooks/contract';
import {
  builtInScenario,
  countInversions,
  createScenarioPlan,
  type PlannedDelivery,
  type PlanOptions,
} from '@omni-webhooks/schema/fixtures';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS } from '../delivery/due-queue.js';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';
import { createInMemoryDeliverer } from './engine-deliverer.js';
import { ScenarioPlayer } from './scenario-player.js';
import type { DeliveryOutcome, ScenarioDeliverer } from './scenario-progress.js';
import { formatSummary, summarizeRun } from './scenario-summary.js';

const plan = (options: PlanOptions) => createScenarioPlan(builtInScenario('lead-journey'), options);

interface Sent {
  delivery: PlannedDelivery;
  startedAt: number;
  settledAt?: number;
}

/** answers every delivery 200 after `delayMs` (0: next turn of the loop), logging start and end */
function fakeDeliverer(delayMs: (delivery: PlannedDelivery) => number = () => 0) {
  const sent: Sent[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const deliverer: ScenarioDeliverer = {
    deliver(delivery, { signal, attempt }) {
      const entry: Sent = { delivery, startedAt: Date.now() };
      sent.push(entry);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise<DeliveryOutcome | undefined>((resolve) => {
        const answer = () => {
          inFlight -= 1;
          entry.settledAt = Date.now();
          const record = { n: 1, status: 200, error: null, durationMs: 1 };
          attempt(record);
          resolve({ state: 'succeeded', attempts: [record] });
        };
        const delay = delayMs(delivery);
        const timer = delay > 0 ? setTimeout(answer, delay) : undefined;
        if (delay <= 0) setImmediate(answer);
        signal.addEventListener(
          'abort',
          () => {
            if (timer === undefined || entry.settledAt !== undefined) return;
            clearTimeout(timer);
            inFlight -= 1;
            resolve(undefined);
          },
          { once: true },
        );
      });
    },
  };
  return { deliverer, sent, maxInFlight: () => maxInFlight };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ScenarioPlayer', () => {
  it("sends the asked share of duplicates (within 5 points over 10 000+ deliveries), each with its original's bytes and id", async () => {
    const asked = 0.3;
    const big = plan({ leads: 1_000, duplicates: asked, speed: 1_000_000, concurrency: 64, seed: 11 });
    expect(big.deliveries.length).toBeGreaterThanOrEqual(10_000);
    const { deliverer, sent } = fakeDeliverer();
    const summary = summarizeRun(await new ScenarioPlayer({ plan: big, deliverer }).play());
    expect(summary).toMatchObject({ deliveries: big.deliveries.length, failed: 0, unsettled: 0 });
    const duplicates = sent.filter((entry) => entry.delivery.duplicateOf !== undefined);
    expect(summary.duplicates).toBe(duplicates.length);
    expect(Math.abs(duplicates.length / (sent.length - duplicates.length) - asked)).toBeLessThan(0.05);
    const byIndex = new Map(sent.map((entry) => [entry.delivery.index, entry]));
    for (const duplicate of duplicates) {
      const original = byIndex.get(duplicate.delivery.duplicateOf as number) as Sent;
      expect(duplicate.delivery.body).toBe(original.delivery.body);
      expect(duplicate.delivery.webhookId).toBe(original.delivery.webhookId);
      // in-flight: out before its original was answered; after-answer: only once it was
      if (duplicate.delivery.duplicateMode === 'in-flight') {
        expect(sent.indexOf(duplicate)).toBe(sent.indexOf(original) + 1);
      } else {
        expect(duplicate.startedAt).toBeGreaterThanOrEqual(original.settledAt as number);
      }
    }
  }, 60_000);

  it('counts out-of-order arrivals with a reorder window and none without', async () => {
    for (const [window, expectSome] of [
      [120_000, true],
      [0, false],
    ] as const) {
      const reordered = plan({ leads: 60, reorderWindowMs: window, speed: 1_000_000, seed: 5 });
      const { deliverer } = fakeDeliverer();
      const summary = summarizeRun(await new ScenarioPlayer({ plan: reordered, deliverer }).play());
      expect(summary.outOfOrder).toBe(reordered.deliveries.filter((d) => d.reordered).length);
      expect(summary.outOfOrder > 0).toBe(expectSome);
      expect(countInversions(reordered.deliveries) > 0).toBe(expectSome);
    }
  });

  it("sends a lead's deliveries one after the other in leadOrder, leads side by side within the concurrency", async () => {
    const gated = plan({ leads: 40, speed: 1_000_000, seed: 3, concurrency: 6 });
    const { deliverer, sent, maxInFlight } = fakeDeliverer((d) => 1 + (d.index % 5));
    await new ScenarioPlayer({ plan: gated, deliverer }).play();
    expect(maxInFlight()).toBeLessThanOrEqual(6);
    expect(maxInFlight()).toBeGreaterThan(1);
    const byLead = new Map<string, Sent[]>();
    for (const entry of sent)
      byLead.set(entry.delivery.leadKey, [...(byLead.get(entry.delivery.leadKey) ?? []), entry]);
    for (const entries of byLead.values()) {
      expect(entries.map((entry) => entry.delivery.leadOrder)).toEqual(entries.map((_, i) => i));
      entries.slice(1).forEach((entry, i) => {
        expect(entry.startedAt).toBeGreaterThanOrEqual(entries[i]?.settledAt as number);
      });
    }
  });

  it('starts each delivery at its due time, on fake timers', async () => {
    vi.useFakeTimers({ now: 1_000_000, toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'Date'] });
    const timed = plan({ leads: 3, seed: 2, speed: 10, concurrency: 8 });
    const { deliverer, sent } = fakeDeliverer();
    const player = new ScenarioPlayer({ plan: timed, deliverer });
    const playing = player.play();
    await vi.advanceTimersByTimeAsync(0);
    const firstDue = timed.deliveries.filter((d) => d.dueMs === 0).length;
    expect(sent).toHaveLength(firstDue);
    const last = Math.max(...timed.deliveries.map((d) => d.dueMs));
    await vi.advanceTimersByTimeAsync(last + 10);
    await playing;
    expect(sent).toHaveLength(timed.deliveries.length);
    for (const entry of sent) {
      // answers take no time here, so nothing waits for its lead: each starts exactly when due
      expect(entry.startedAt - 1_000_000).toBe(entry.delivery.dueMs);
    }
  });

  it('waits for a due time beyond the longest timer in steps no longer than 2^31-1 ms, sending nothing early', async () => {
    // a small speed puts due times past what setTimeout can hold: an unclamped wait fires at once and spins
    const farMs = 5 * MAX_TIMER_MS;
    const base = plan({ leads: 1, seed: 3, concurrency: 1 });
    const first = base.deliveries[0] as PlannedDelivery;
    const far = {
      ...base,
      deliveries: [{ ...first, index: 0, leadOrder: 0, dueMs: farMs, duplicateOf: undefined }],
    };
    let now = 0;
    const armed: { callback: () => void; ms: number }[] = [];
    const timers = {
      now: () => now,
      setTimeout: (callback: () => void, ms: number) => armed.push({ callback, ms }),
      clearTimeout: () => undefined,
    };
    const { deliverer, sent } = fakeDeliverer();
    const playing = new ScenarioPlayer({ plan: far, deliverer, timers }).play();
    let wakes = 0;
    while (sent.length === 0) {
      const timer = armed.shift();
      if (!timer) throw new Error('the player armed no timer while its delivery waits');
      expect(timer.ms).toBeGreaterThan(0);
      expect(timer.ms).toBeLessThanOrEqual(MAX_TIMER_MS);
      expect(wakes).toBeLessThan(10);
      now += timer.ms;
      wakes += 1;
      timer.callback();
      if (now < farMs) expect(sent).toHaveLength(0);
    }
    expect(now).toBe(farMs);
    expect(wakes).toBe(5);
    expect((await playing).played).toHaveLength(1);
  });

  it('stops on abort with in-flight ones unsettled, and a resume sends exactly the rest', async () => {
    const run = plan({ leads: 30, duplicates: 0.2, speed: 1_000_000, seed: 8, concurrency: 4 });
    const controller = new AbortController();
    const first = fakeDeliverer(() => 2);
    const player = new ScenarioPlayer({ plan: run, deliverer: first.deliverer, signal: controller.signal });
    player.on('progress', (progress) => {
      if (progress.settled === 25) controller.abort();
    });
    const aborted = await player.play();
    expect(aborted.aborted).toBe(true);
    expect(aborted.played).toHaveLength(25);
    expect(first.sent.length).toBeGreaterThan(25);
    expect(summarizeRun(aborted).unsettled).toBe(run.deliveries.length - 25);

    const settled = new Set(aborted.played.map((item) => item.index));
    const second = fakeDeliverer();
    const resumed = await new ScenarioPlayer({ plan: run, deliverer: second.deliverer, settled }).play();
    const again = second.sent.map((entry) => entry.delivery.index);
    expect(again.filter((index) => settled.has(index))).toEqual([]);
    expect([...settled, ...again].sort((a, b) => a - b)).toEqual(run.deliveries.map((d) => d.index));
    expect(summarizeRun(resumed)).toMatchObject({ skipped: 25, unsettled: 0, failed: 0 });
  });

  describe('over real HTTP on loopback', () => {
    let receiver: TestReceiver | undefined;
    afterEach(async () => {
      await receiver?.close();
      receiver = undefined;
    });

    it('delivers with the full contract: retries, signing, duplicates with the same webhook-id and bytes', async () => {
      const SIGNING_KEY = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
      receiver = await startTestReceiver((n) => (n === 2 ? 503 : 200));
      const played = plan({ leads: 4, duplicates: 0.5, speed: 1_000_000, seed: 4 });
      const deliverer = createInMemoryDeliverer({
        target: {
          endpointId: 'scenario',
          url: receiver.url,
          secret: 's',
          secretHeader: 'x-webhook-secret',
          signingKey: SIGNING_KEY,
          sign: true,
        },
        concurrency: 4,
        retryTimeScale: 0.0005,
      });
      try {
        const summary = summarizeRun(await new ScenarioPlayer({ plan: played, deliverer }).play());
        expect(summary).toMatchObject({
          deliveries: played.deliveries.length,
          failed: 0,
          retried: 1,
          firstAttemptSuccesses: played.deliveries.length - 1,
          duplicates: played.duplicates,
        });
        expect(summary.answerMs?.p50).toBeGreaterThanOrEqual(0);
        expect(formatSummary(summary)).toMatch(/retried\s+1\n/);
      } finally {
        await deliverer.close();
      }
      const requests = receiver.requests;
      expect(requests).toHaveLength(played.deliveries.length + 1);
      for (const request of requests) {
        expect(
          verifyWebhookSignature({ headers: request.headers, body: request.body, secrets: [SIGNING_KEY] }),
        ).toMatchObject({ ok: true });
      }
      for (const delivery of played.deliveries) {
        const same = requests.filter((request) => request.headers['webhook-id'] === delivery.webhookId);
        expect(same.every((request) => request.body === delivery.body)).toBe(true);
      }
      const ids = new Set(requests.map((request) => request.headers['webhook-id']));
      expect(ids.size).toBe(played.originals);
    });

    it('aborts a run whose deliveries wait for a retry at the real scale: the waits end, nothing is settled', async () => {
      receiver = await startTestReceiver(() => 503);
      const waiting = plan({ leads: 3, speed: 1_000_000, seed: 6 });
      const deliverer = createInMemoryDeliverer({
        target: {
          endpointId: 'scenario',
          url: receiver.url,
          secret: undefined,
          secretHeader: 'x-webhook-secret',
          sign: false,
        },
        concurrency: 8,
      });
      const controller = new AbortController();
      const player = new ScenarioPlayer({ plan: waiting, deliverer, signal: controller.signal });
      let failedAttempts = 0;
      // each lead's first delivery failed its first attempt and now waits 60 s for its second
      player.on('attempt', () => {
        if (++failedAttempts === waiting.journeys.length) controller.abort();
      });
      const started = performance.now();
      try {
        const result = await player.play();
        expect(result).toMatchObject({ aborted: true, played: [] });
        expect(summarizeRun(result).unsettled).toBe(waiting.deliveries.length);
      } finally {
        await deliverer.close();
      }
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(receiver.requests).toHaveLength(waiting.journeys.length);
    });
  });
});
