// one run playing in this process: its plan, player, deliverer and counts. it ends done (every entry
// settled), stopped (POST /scenarios/:id/stop), or failed (a bug, the database, or its endpoint removed); a sender that
// shuts down leaves it running in its row, and the next start resumes it
import type { PlannedDelivery, ScenarioPlan } from '@omni-webhooks/schema/fixtures';
import type { Logger } from 'pino';
import type { DeliveryEngine } from '../delivery/delivery-engine.js';
import type { DeliveryTarget, Outbox } from '../outbox/outbox.js';
import { createRunDeliverer, type RunDeliverer } from './run-deliverer.js';
import { RunTally } from './run-tally.js';
import { ScenarioPlayer } from './scenario-player.js';
import type { PlayedDelivery, PlayResult } from './scenario-progress.js';
import type { RunDeliveryRow, RunProgress, RunRecord, ScenarioRunStore } from './scenario-run-store.js';
import { type RunSummary, summarizeRun } from './scenario-summary.js';

export interface ActiveRunParts {
  record: RunRecord;
  plan: ScenarioPlan;
  store: ScenarioRunStore;
  outbox: Outbox;
  engine: DeliveryEngine;
  target: DeliveryTarget;
  /** the run's rows from earlier sessions (resume): settled ones in settle order first */
  earlier: readonly RunDeliveryRow[];
  clock: () => number;
  logger?: Logger | undefined;
  /** the body an original is sent with (the sender's own document links); default the plan's */
  prepareBody?: ((delivery: PlannedDelivery) => string) | undefined;
}

type Ending = 'stop' | 'close' | 'fail';

export class ActiveRun {
  readonly id: string;
  readonly endpointId: string;
  /** the plan's key: its webhook ids derive from it */
  readonly planKey: string;
  readonly #parts: ActiveRunParts;
  readonly #tally: RunTally;
  readonly #deliverer: RunDeliverer;
  readonly #player: ScenarioPlayer;
  readonly #controller = new AbortController();
  #ending: Ending | undefined;
  #failReason: string | undefined;
  #done: Promise<void> | undefined;

  constructor(parts: ActiveRunParts) {
    const { record, plan } = parts;
    this.#parts = parts;
    this.id = record.id;
    this.endpointId = record.endpointId;
    this.planKey = plan.key;
    this.#tally = new RunTally(plan.deliveries.length);
    const handedOver = new Map<number, string>();
    const settled = new Set<number>();
    for (const row of parts.earlier) {
      const delivery = plan.deliveries[row.index];
      if (!delivery)
        throw new Error(`run ${record.id} has a row for plan entry #${row.index}, beyond its plan`);
      handedOver.set(row.index, row.deliveryId);
      this.#tally.dispatched(delivery);
      if (row.state !== 'dispatched') {
        this.#tally.settled(delivery, row.state);
        settled.add(row.index);
      }
    }
    this.#deliverer = createRunDeliverer({
      runId: record.id,
      store: parts.store,
      outbox: parts.outbox,
      engine: parts.engine,
      target: parts.target,
      tally: this.#tally,
      handedOver,
      runStartMs: record.runStartMs,
      clock: parts.clock,
      prepareBody: parts.prepareBody,
    });
    this.#player = new ScenarioPlayer({
      plan,
      deliverer: this.#deliverer,
      settled,
      runStartMs: record.runStartMs,
      signal: this.#controller.signal,
      // the sender's clock, so due times count as runStartMs does; the timers looked up per call (fake timers)
      timers: {
        now: parts.clock,
        setTimeout: (callback, ms) => setTimeout(callback, ms),
        clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      },
    });
  }

  get progress(): RunProgress {
    return this.#tally.progress;
  }

  /** plays the plan (the entries not settled yet); `finished` runs once the run's row says how it ended */
  start(finished: () => void): void {
    this.#done ??= this.#player
      .play()
      .then(
        (result) => this.#finish(result),
        (error: unknown) => this.#fail(error),
      )
      .finally(() => {
        this.#deliverer.detach();
        finished();
      });
  }

  /** no more entries start; those handed over finish in the outbox. resolves once the run is stopped */
  stop(): Promise<void> {
    return this.#end('stop');
  }

  /** the sender shuts down: the run stays running in its row, to resume on the next start */
  close(): Promise<void> {
    return this.#end('close');
  }

  /** stops the run as stop does, but it ends failed with `reason` (its endpoint was removed) */
  fail(reason: string): Promise<void> {
    if (this.#ending === undefined) this.#failReason = reason;
    return this.#end('fail');
  }

  async #end(ending: Ending): Promise<void> {
    this.#ending ??= ending;
    this.#controller.abort();
    await this.#done;
  }

  #finish(result: PlayResult): void {
    if (result.aborted && this.#ending === 'close') return;
    if (result.aborted && this.#ending === 'fail') {
      this.#parts.store.finishRun(
        this.id,
        'failed',
        { error: this.#failReason, progress: this.progress, summary: this.#summary(true) },
        this.#parts.clock(),
      );
      return;
    }
    const status = result.aborted ? 'stopped' : 'done';
    this.#parts.store.finishRun(
      this.id,
      status,
      { progress: this.progress, summary: this.#summary(result.aborted) },
      this.#parts.clock(),
    );
  }

  #fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.#parts.logger?.error({ err: error, runId: this.id }, 'scenario run failed');
    this.#parts.store.finishRun(
      this.id,
      'failed',
      { error: message, progress: this.progress, summary: this.#summary(true) },
      this.#parts.clock(),
    );
  }

  /** the whole run's summary, every session of it, from its rows and the outbox's attempt log */
  #summary(aborted: boolean): RunSummary {
    const { store, plan, record, clock } = this.#parts;
    const attempts = store.attemptsOfRun(this.id);
    const played = store.deliveries(this.id).flatMap((row): PlayedDelivery[] => {
      const delivery = plan.deliveries[row.index];
      if (row.state === 'dispatched' || !delivery) return [];
      return [
        {
          state: row.state,
          attempts: attempts.get(row.deliveryId) ?? [],
          index: row.index,
          delivery,
          startedAtMs: row.startedAtMs,
          settledAtMs: row.settledAtMs ?? 0,
          settleOrder: row.settleOrder ?? 0,
        },
      ];
    });
    return summarizeRun({
      scenario: plan.scenario,
      journeys: plan.journeys.length,
      planned: plan.deliveries.length,
      skipped: 0,
      played,
      aborted,
      runStartMs: record.runStartMs,
      elapsedMs: clock() - record.runStartMs,
    });
  }
}
