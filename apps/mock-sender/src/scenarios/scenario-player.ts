// plays a scenario plan: each delivery at its due time, a lead's deliveries one after the other,
// leads side by side within the concurrency, duplicates as redeliveries of their original's bytes.
// the wire (timeout, retries, outbox) is the deliverer's; the player only decides when to start
import { EventEmitter, setMaxListeners } from 'node:events';
import type { PlannedDelivery, ScenarioPlan } from '@omni-webhooks/schema/fixtures';
import { MAX_TIMER_MS } from '../delivery/due-queue.js';
import { IndexHeap } from './index-heap.js';
import type {
  AttemptRecord,
  DeliveryOutcome,
  PlayedDelivery,
  PlayResult,
  ScenarioDeliverer,
  ScenarioPlayerEvents,
  ScenarioProgress,
} from './scenario-progress.js';

/** the clock and timers the player waits with; tests pass fake ones or use vitest's fake timers */
export interface PlayerTimers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

// looked up at call time, so vitest's fake timers apply
const systemTimers: PlayerTimers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface ScenarioPlayerOptions {
  plan: ScenarioPlan;
  deliverer: ScenarioDeliverer;
  /** deliveries in flight at once (an in-flight duplicate rides along with its original); default the plan's knob */
  concurrency?: number | undefined;
  /** resume: indexes of deliveries settled in an earlier run, not sent again */
  settled?: ReadonlySet<number> | undefined;
  /** clock ms the plan's due times count from (a resumed run passes its first start); default now */
  runStartMs?: number | undefined;
  /** stops starting deliveries; requests in flight finish, waits end (see ScenarioDeliverer.stop) */
  signal?: AbortSignal | undefined;
  timers?: PlayerTimers | undefined;
}

export class ScenarioPlayer extends EventEmitter<ScenarioPlayerEvents> {
  readonly #plan: ScenarioPlan;
  readonly #deliverer: ScenarioDeliverer;
  readonly #concurrency: number;
  readonly #timers: PlayerTimers;
  readonly #signal: AbortSignal | undefined;
  readonly #runStartOption: number | undefined;
  // each lead's originals in leadOrder, and where the lead stands in them
  readonly #leads = new Map<string, { queue: PlannedDelivery[]; next: number }>();
  // unsettled duplicates of unsettled originals, started with (in-flight) or after (after-answer) them
  readonly #duplicatesOf = new Map<number, PlannedDelivery[]>();
  readonly #ready = new IndexHeap();
  readonly #played: PlayedDelivery[] = [];
  readonly #progress: ScenarioProgress;
  readonly #internal = new AbortController();
  #runStartMs = 0;
  #active = 0;
  #timer: { handle: unknown; at: number } | undefined;
  #aborted = false;
  #failure: unknown;
  #finish: (() => void) | undefined;
  #playing: Promise<PlayResult> | undefined;

  constructor(options: ScenarioPlayerOptions) {
    super();
    this.#plan = options.plan;
    this.#deliverer = options.deliverer;
    this.#concurrency = options.concurrency ?? options.plan.knobs.concurrency;
    if (!Number.isInteger(this.#concurrency) || this.#concurrency < 1) {
      throw new RangeError(`concurrency must be an integer >= 1, got ${String(this.#concurrency)}`);
    }
    this.#timers = options.timers ?? systemTimers;
    this.#signal = options.signal;
    this.#runStartOption = options.runStartMs;
    // a deliverer may listen once per delivery in flight: bounded by the concurrency, not by 10
    setMaxListeners(0, this.#internal.signal);
    const settled = options.settled ?? new Set<number>();
    const { deliveries } = options.plan;
    for (const delivery of deliveries) {
      if (settled.has(delivery.index)) continue;
      const original = delivery.duplicateOf;
      if (original === undefined) {
        const lead = this.#leads.get(delivery.leadKey) ?? { queue: [], next: 0 };
        lead.queue.push(delivery);
        this.#leads.set(delivery.leadKey, lead);
      } else if (settled.has(original)) {
        // its original was answered in an earlier run: it stands alone, at its due time
        this.#ready.push(delivery.index);
      } else {
        this.#duplicatesOf.set(original, [...(this.#duplicatesOf.get(original) ?? []), delivery]);
      }
    }
    for (const lead of this.#leads.values()) {
      lead.queue.sort((a, b) => a.leadOrder - b.leadOrder);
      this.#releaseNext(lead);
    }
    this.#progress = {
      planned: deliveries.length,
      skipped: deliveries.filter((delivery) => settled.has(delivery.index)).length,
      started: 0,
      inFlight: 0,
      settled: 0,
      succeeded: 0,
      failed: 0,
    };
  }

  /** the counts so far (a copy) */
  get progress(): ScenarioProgress {
    return { ...this.#progress };
  }

  /** plays the plan once; resolves when every delivery settled, or once the abort let in-flight ones finish */
  play(): Promise<PlayResult> {
    this.#playing ??= this.#play();
    return this.#playing;
  }

  async #play(): Promise<PlayResult> {
    this.#runStartMs = this.#runStartOption ?? this.#timers.now();
    const wallStart = this.#timers.now();
    const done = new Promise<void>((resolve) => {
      this.#finish = resolve;
    });
    const onAbort = () => this.#abort();
    if (this.#signal?.aborted) this.#abort();
    else this.#signal?.addEventListener('abort', onAbort, { once: true });
    this.#pump();
    await done;
    this.#signal?.removeEventListener('abort', onAbort);
    if (this.#failure !== undefined) throw this.#failure;
    return {
      scenario: this.#plan.scenario,
      journeys: this.#plan.journeys.length,
      planned: this.#progress.planned,
      skipped: this.#progress.skipped,
      played: this.#played,
      aborted: this.#aborted,
      runStartMs: this.#runStartMs,
      elapsedMs: this.#timers.now() - wallStart,
    };
  }

  #releaseNext(lead: { queue: PlannedDelivery[]; next: number }): void {
    const next = lead.queue[lead.next];
    if (next) {
      lead.next += 1;
      this.#ready.push(next.index);
    }
  }

  /** starts what is due, in plan order, while there is room; arms one timer for the next due */
  #pump(): void {
    while (!this.#aborted && this.#active < this.#concurrency) {
      const index = this.#ready.peek();
      if (index === undefined) break;
      const delivery = this.#plan.deliveries[index] as PlannedDelivery;
      const wait = this.#runStartMs + delivery.dueMs - this.#timers.now();
      if (wait > 0) {
        this.#arm(this.#runStartMs + delivery.dueMs, wait);
        break;
      }
      this.#ready.pop();
      this.#active += 1;
      this.#launch(delivery, true);
      for (const duplicate of this.#duplicatesOf.get(index) ?? []) {
        if (duplicate.duplicateMode === 'in-flight') this.#launch(duplicate, false);
      }
    }
    this.#checkDone();
  }

  #arm(at: number, wait: number): void {
    if (this.#timer && this.#timer.at <= at) return;
    if (this.#timer) this.#timers.clearTimeout(this.#timer.handle);
    // a longer wait would fire at once (TimeoutOverflowWarning) and spin the pump: wake early, the pump
    // finds it not yet due and re-arms for the rest; `at` stays the true due time the timer stands for
    const handle = this.#timers.setTimeout(
      () => {
        this.#timer = undefined;
        this.#pump();
      },
      Math.min(wait, MAX_TIMER_MS),
    );
    this.#timer = { handle, at };
  }

  #launch(delivery: PlannedDelivery, holdsSlot: boolean): void {
    const startedAtMs = this.#timers.now() - this.#runStartMs;
    this.#progress.started += 1;
    this.#progress.inFlight += 1;
    this.emit('start', delivery);
    const attempt = (record: AttemptRecord) => this.emit('attempt', delivery, record);
    let outcome: Promise<DeliveryOutcome | undefined>;
    try {
      outcome = this.#deliverer.deliver(delivery, { signal: this.#internal.signal, attempt });
    } catch (error) {
      outcome = Promise.reject(error);
    }
    outcome.then(
      (result) => this.#settle(delivery, holdsSlot, startedAtMs, result),
      (error: unknown) => {
        // a deliverer that throws is a bug, not a failed delivery: stop and report it
        this.#failure ??= error;
        this.#settle(delivery, holdsSlot, startedAtMs, undefined);
        this.#abort();
      },
    );
  }

  #settle(
    delivery: PlannedDelivery,
    holdsSlot: boolean,
    startedAtMs: number,
    outcome: DeliveryOutcome | undefined,
  ): void {
    this.#progress.inFlight -= 1;
    if (holdsSlot) this.#active -= 1;
    if (outcome) {
      const played: PlayedDelivery = {
        ...outcome,
        index: delivery.index,
        delivery,
        startedAtMs,
        settledAtMs: this.#timers.now() - this.#runStartMs,
        settleOrder: this.#played.length,
      };
      this.#played.push(played);
      this.#progress.settled += 1;
      this.#progress[outcome.state] += 1;
      this.emit('settled', played);
      this.emit('progress', this.progress);
      if (delivery.duplicateOf === undefined) {
        for (const duplicate of this.#duplicatesOf.get(delivery.index) ?? []) {
          if (duplicate.duplicateMode !== 'in-flight') this.#ready.push(duplicate.index);
        }
        this.#duplicatesOf.delete(delivery.index);
        const lead = this.#leads.get(delivery.leadKey);
        if (lead) this.#releaseNext(lead);
      }
    }
    this.#pump();
  }

  #abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    if (this.#timer) this.#timers.clearTimeout(this.#timer.handle);
    this.#timer = undefined;
    this.#internal.abort(this.#signal?.reason);
    this.#deliverer.stop?.().catch((error: unknown) => {
      this.#failure ??= error;
    });
    this.#checkDone();
  }

  #checkDone(): void {
    if (this.#progress.inFlight > 0) return;
    if (!this.#aborted && this.#ready.size > 0) return;
    this.#finish?.();
    this.#finish = undefined;
  }
}
