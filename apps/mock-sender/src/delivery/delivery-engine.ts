import { EventEmitter } from 'node:events';
import type { SuccessRule } from '@omni-webhooks/contract';
import type { Logger } from 'pino';
import type { DeliverySchedule, Outbox } from '../outbox/outbox.js';
import type { TargetGuard } from '../targets/target-guard.js';
import { DeliveryRunner, type EngineEvents, StoppedError } from './delivery-run.js';
import { DueQueue } from './due-queue.js';

export type { AttemptReport, SettledReport } from './delivery-run.js';

export interface DeliveryEngineOptions {
  outbox: Outbox;
  timeoutMs: number;
  retryTimeScale: number;
  successRule: SuccessRule;
  /** attempts in flight at once, all endpoints together */
  concurrency: number;
  /** attempts in flight at once to one endpoint */
  endpointConcurrency: number;
  /**
   * Longest retry wait (ms of real time) a run holds in memory; a longer wait ends the run and the
   * delivery parks in the outbox until the due-queue wakes it. Default 5000: at test time scales
   * (0.01, 0.02) every wait is held, at the real scale (1 to 4 minutes) every wait is parked.
   */
  retryHorizonMs?: number | undefined;
  /**
   * Runs held in memory per request slot (default 4): at most runsPerSlot × concurrency runs in all and
   * runsPerSlot × endpointConcurrency per endpoint (in flight, queued for a slot or in a short wait).
   * A delivery due beyond that stays parked in the outbox and wakes as runs end.
   */
  runsPerSlot?: number | undefined;
  /** where deliveries may go (the target policy and trusted CAs); by default, anything but link-local and metadata */
  targets?: TargetGuard | undefined;
  logger?: Logger | undefined;
  clock?: () => number;
}

export const DEFAULT_RETRY_HORIZON_MS = 5000;
export const DEFAULT_RUNS_PER_SLOT = 4;

// rows one due scan of the outbox reads at most; how many wake is bounded by free runs, not by this
const DUE_SCAN_ROWS = 500;

/**
 * Runs deliveries on the contract schedule. The outbox row (attempt count, next attempt time) is the
 * truth: it is written before every wait, and a delivery picked up after a restart continues from it.
 * A run (p-retry) drives a delivery's attempts and its short waits; a wait beyond the horizon ends the
 * run and parks the delivery in the outbox, where one due-queue timer wakes it, so a distant retry
 * costs a row, not a promise. A slot of the concurrency limits is held only during a request.
 */
export class DeliveryEngine extends EventEmitter<EngineEvents> {
  readonly #options: DeliveryEngineOptions;
  readonly #clock: () => number;
  readonly #runner: DeliveryRunner;
  // one controller per run: a single shared signal would collect a listener per waiting delivery
  readonly #running = new Map<string, { done: Promise<void>; controller: AbortController }>();
  readonly #runsByEndpoint = new Map<string, number>();
  readonly #maxRuns: number;
  readonly #maxEndpointRuns: number;
  readonly #dueQueue: DueQueue<DeliverySchedule>;
  #stopping = false;
  // set for good when another process took the outbox over: this engine must never send again
  #halted = false;
  // a due delivery was left parked for want of room: the next run to end wakes the due-queue
  #deferred = false;

  constructor(options: DeliveryEngineOptions) {
    super();
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    const horizonMs = options.retryHorizonMs ?? DEFAULT_RETRY_HORIZON_MS;
    if (!(horizonMs >= 0)) {
      throw new RangeError(`retry horizon must be >= 0 ms, got ${String(options.retryHorizonMs)}`);
    }
    const runsPerSlot = options.runsPerSlot ?? DEFAULT_RUNS_PER_SLOT;
    if (!Number.isInteger(runsPerSlot) || runsPerSlot < 1) {
      throw new RangeError(`runs per slot must be an integer >= 1, got ${String(options.runsPerSlot)}`);
    }
    this.#maxRuns = runsPerSlot * options.concurrency;
    this.#maxEndpointRuns = runsPerSlot * options.endpointConcurrency;
    const { outbox } = options;
    this.#runner = new DeliveryRunner({
      outbox,
      timeoutMs: options.timeoutMs,
      retryTimeScale: options.retryTimeScale,
      successRule: options.successRule,
      concurrency: options.concurrency,
      endpointConcurrency: options.endpointConcurrency,
      horizonMs,
      targets: options.targets,
      events: this,
      logger: options.logger,
      clock: this.#clock,
    });
    this.#dueQueue = new DueQueue({
      earliest: () => outbox.earliestParked(this.#fullEndpoints()),
      claim: (now, limit) => this.#claimDue(now, limit),
      wake: (schedule) => this.#start(schedule),
      capacity: () => {
        const room = this.#stopping ? 0 : this.#maxRuns - this.#running.size;
        if (room <= 0) {
          this.#deferred = true;
        }
        return room;
      },
      clock: this.#clock,
      batchSize: DUE_SCAN_ROWS,
      onError: (error) => this.#options.logger?.error({ err: error }, 'waking parked deliveries failed'),
    });
  }

  /** deliveries with a run in this process: in flight, queued for a slot or in a short wait */
  get runningCount(): number {
    return this.#running.size;
  }

  /**
   * Picks up every unsettled delivery from the outbox, each at its stored time: an attempt cut off by
   * a stop is recorded as failed, then every pending delivery parks and the due-queue wakes it.
   */
  resume(): number {
    const { outbox } = this.#options;
    const open = outbox.openCount();
    for (const schedule of outbox.interruptedSchedules()) {
      if (!this.#running.has(schedule.id)) {
        this.#runner.recoverInterrupted(schedule);
      }
    }
    outbox.parkPending();
    if (!this.#stopping) {
      this.#dueQueue.start();
    }
    return open;
  }

  /** requests in flight at once to one endpoint (ENDPOINT_CONCURRENCY) */
  get endpointConcurrency(): number {
    return this.#options.endpointConcurrency;
  }

  /** the most runs held in memory at once, all endpoints together */
  get maxRuns(): number {
    return this.#maxRuns;
  }

  /**
   * Starts a pending delivery of the outbox when it is due and a run fits, or parks it (until its
   * stored time, or until a run ends); a delivery already running is left alone.
   */
  schedule(deliveryId: string): void {
    const { outbox } = this.#options;
    const schedule = outbox.schedule(deliveryId);
    if (!schedule) {
      throw new Error(`unknown delivery ${deliveryId}`);
    }
    if (schedule.state !== 'pending' || this.#running.has(schedule.id) || this.#stopping) {
      return;
    }
    const dueAt = schedule.nextAttemptAt ?? 0;
    if (dueAt <= this.#clock() && this.#hasRoom(schedule.endpointId)) {
      this.#start(schedule);
      return;
    }
    if (!schedule.parked) {
      outbox.park(schedule.id);
    }
    if (dueAt <= this.#clock()) {
      this.#deferred = true;
    } else {
      this.#dueQueue.notify(dueAt);
    }
  }

  /** schedule() for many deliveries, with the parks of those beyond the bound in one transaction */
  scheduleAll(deliveryIds: readonly string[]): void {
    this.#options.outbox.transaction(() => {
      for (const id of deliveryIds) {
        this.schedule(id);
      }
    });
  }

  /** resolves when no delivery runs and none is parked for this engine to wake (or it stopped) */
  async idle(): Promise<void> {
    while (this.#running.size > 0 || this.#dueQueue.armedAt !== undefined) {
      if (this.#running.size > 0) {
        await Promise.all(Array.from(this.#running.values(), (run) => run.done));
      } else {
        await this.#dueQueue.nextWake();
      }
    }
  }

  /**
   * Cancels every wait (the due-queue's timer and the runs' short waits) and lets requests in flight
   * finish (each is bounded by the timeout), so no attempt is cut off; rows stay pending in the
   * outbox and resume on the next start.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#dueQueue.stop();
    const reason = new StoppedError('delivery engine stopped');
    for (const run of this.#running.values()) {
      run.controller.abort(reason);
    }
    await this.idle();
    this.#stopping = this.#halted;
  }

  /** stops for good: nothing starts again in this process (another one owns the outbox now) */
  async halt(): Promise<void> {
    this.#halted = true;
    await this.stop();
  }

  get halted(): boolean {
    return this.#halted;
  }

  #hasRoom(endpointId: string): boolean {
    return (
      this.#running.size < this.#maxRuns &&
      (this.#runsByEndpoint.get(endpointId) ?? 0) < this.#maxEndpointRuns
    );
  }

  /** endpoints holding their share of runs: their due deliveries wait parked */
  #fullEndpoints(): string[] {
    const full: string[] = [];
    for (const [endpointId, runs] of this.#runsByEndpoint) {
      if (runs >= this.#maxEndpointRuns) {
        full.push(endpointId);
      }
    }
    return full;
  }

  /**
   * Takes up to `limit` due parked deliveries out of the outbox, soonest first, skipping endpoints
   * that hold their share of runs, so a hanging endpoint's backlog never fills every run.
   */
  #claimDue(now: number, limit: number): DeliverySchedule[] {
    const { outbox } = this.#options;
    const claimed: DeliverySchedule[] = [];
    const room = new Map<string, number>();
    const roomFor = (endpointId: string) =>
      room.get(endpointId) ?? this.#maxEndpointRuns - (this.#runsByEndpoint.get(endpointId) ?? 0);
    while (claimed.length < limit) {
      const full = this.#fullEndpoints();
      for (const [endpointId, left] of room) {
        if (left <= 0 && !full.includes(endpointId)) {
          full.push(endpointId);
        }
      }
      if (full.length > 0) {
        this.#deferred = true;
      }
      const due = outbox.dueParked(now, DUE_SCAN_ROWS, full);
      const taken: DeliverySchedule[] = [];
      for (const schedule of due) {
        if (claimed.length + taken.length === limit) {
          break;
        }
        const left = roomFor(schedule.endpointId);
        if (left > 0) {
          room.set(schedule.endpointId, left - 1);
          taken.push(schedule);
        } else {
          room.set(schedule.endpointId, 0);
          this.#deferred = true;
        }
      }
      outbox.unpark(taken.map((schedule) => schedule.id));
      claimed.push(...taken.map((schedule) => ({ ...schedule, parked: false })));
      // every due row was seen: nothing more fits now
      if (due.length < DUE_SCAN_ROWS) {
        break;
      }
    }
    return claimed;
  }

  #start(job: DeliverySchedule): void {
    if (this.#running.has(job.id) || this.#stopping) {
      return;
    }
    const { endpointId } = job;
    this.#runsByEndpoint.set(endpointId, (this.#runsByEndpoint.get(endpointId) ?? 0) + 1);
    const ended = () => {
      this.#running.delete(job.id);
      const runs = (this.#runsByEndpoint.get(endpointId) ?? 1) - 1;
      if (runs === 0) {
        this.#runsByEndpoint.delete(endpointId);
      } else {
        this.#runsByEndpoint.set(endpointId, runs);
      }
      // room for one more: due deliveries left parked for want of it wake now
      if (this.#deferred && !this.#stopping) {
        this.#deferred = false;
        this.#dueQueue.notify(this.#clock());
      }
    };
    const controller = new AbortController();
    const done = this.#runner.run(job, controller.signal).then(
      (parkedUntil) => {
        ended();
        // notified once the run is gone, so a wake can never find it still running and skip it
        if (parkedUntil !== undefined && !this.#stopping) {
          this.#dueQueue.notify(parkedUntil);
        }
      },
      (error: unknown) => {
        ended();
        this.#options.logger?.error({ err: error, deliveryId: job.id }, 'delivery run crashed');
      },
    );
    this.#running.set(job.id, { done, controller });
  }
}
