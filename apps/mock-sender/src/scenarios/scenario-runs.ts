// the sender's scenario runs: started from a request, listed, stopped, resumed on start. at most one
// plays to an endpoint at a time (two would interleave, and neither summary would mean much)
import {
  createScenarioPlan,
  type PlannedDelivery,
  type ScenarioPlan,
  validateScenario,
} from '@omni-webhooks/schema/fixtures';
import type { Logger } from 'pino';
import { HttpError } from '../base/http-error.js';
import { newId } from '../base/ids.js';
import type { DeliveryEngine } from '../delivery/delivery-engine.js';
import { DEFAULT_ENDPOINT_ID, type Endpoint, type EndpointRegistry } from '../endpoints/endpoint-registry.js';
import type { SqliteDatabase } from '../outbox/database.js';
import type { DeliveryTarget, Outbox } from '../outbox/outbox.js';
import { ActiveRun } from './scenario-run.js';
import {
  DEFAULT_SCENARIO_RUN_LIMITS,
  parseRunRequest,
  planRun,
  type ScenarioRunLimits,
  scenarioOf,
} from './scenario-run-request.js';
import {
  type RunDeliveryRow,
  type RunProgress,
  type RunRecord,
  type RunStatus,
  ScenarioRunStore,
} from './scenario-run-store.js';
import type { RunSummary } from './scenario-summary.js';

export interface ScenarioRunsOptions {
  db: SqliteDatabase;
  outbox: Outbox;
  engine: DeliveryEngine;
  endpoints: EndpointRegistry;
  clock?: (() => number) | undefined;
  logger?: Logger | undefined;
  limits?: Partial<ScenarioRunLimits> | undefined;
  /** the body an original is sent with (the sender's own document links); default the plan's */
  prepareBody?: ((delivery: PlannedDelivery) => string) | undefined;
}

/** a run as the API answers it */
export interface RunView {
  id: string;
  scenario: string;
  endpointId: string;
  status: RunStatus;
  error: string | null;
  knobs: Record<string, number>;
  /** the deliveries in flight at once it gets: its concurrency knob, capped by the engine's per endpoint */
  effectiveConcurrency: number;
  startAt: string;
  createdAt: string;
  finishedAt: string | null;
  progress: RunProgress;
  summary: RunSummary | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class ScenarioRuns {
  readonly #options: ScenarioRunsOptions;
  readonly #store: ScenarioRunStore;
  readonly #clock: () => number;
  readonly #limits: ScenarioRunLimits;
  readonly #active = new Map<string, ActiveRun>();
  // a start left to the clock is never reused: same seed and start, same webhook ids (events of the outbox)
  #lastStartAtMs = 0;

  constructor(options: ScenarioRunsOptions) {
    this.#options = options;
    this.#store = new ScenarioRunStore(options.db);
    this.#clock = options.clock ?? Date.now;
    this.#limits = { ...DEFAULT_SCENARIO_RUN_LIMITS, ...options.limits };
  }

  /** checks the request whole, plans it and starts playing; throws an HttpError saying what is wrong */
  start(body: unknown): RunView {
    const request = parseRunRequest(body);
    const endpoint = this.#endpoint(request.endpointId);
    const busy = [...this.#active.values()].find((run) => run.endpointId === endpoint.id);
    if (busy) {
      throw new HttpError(
        409,
        'scenario_running',
        `run ${busy.id} is playing to endpoint ${endpoint.id}: wait for it or stop it (POST /scenarios/${busy.id}/stop)`,
      );
    }
    if (this.#active.size >= this.#limits.activeRuns) {
      throw new HttpError(
        409,
        'too_many_runs',
        `${this.#active.size} scenario runs are playing, the most one sender plays at once: wait for one or stop one`,
      );
    }
    const now = this.#clock();
    let startAtMs = request.startAtMs;
    if (startAtMs === undefined) {
      startAtMs = Math.max(now, this.#lastStartAtMs + 1);
      this.#lastStartAtMs = startAtMs;
    }
    const plan = planRun(request.scenario, request.knobs, startAtMs, this.#limits.deliveries);
    const target = this.#targetFor(endpoint, plan);
    // an active run of the same key has the same webhook ids, maybe not in the outbox yet
    const sameKey = [...this.#active.values()].some((run) => run.planKey === plan.key);
    if (sameKey || this.#store.eventsExist(plan.deliveries.map((delivery) => delivery.webhookId))) {
      throw new HttpError(
        409,
        'events_exist',
        'a run of this scenario, knobs, seed and startAt was played already or is playing (the same events and webhook ids): change seed or startAt',
      );
    }
    const record: RunRecord = {
      id: newId('run'),
      scenario: plan.scenario,
      endpointId: endpoint.id,
      request: { scenario: request.source, knobs: plan.knobs },
      startAtMs,
      runStartMs: now,
      planned: plan.deliveries.length,
      status: 'running',
      error: null,
      progress: null,
      summary: null,
      createdAt: now,
      finishedAt: null,
    };
    this.#store.insertRun(record);
    this.#play(record, plan, target);
    return this.#view(record);
  }

  /** newest first */
  list(limit: number): RunView[] {
    return this.#store.list(limit).map((record) => this.#view(record));
  }

  get(id: string): RunView | undefined {
    const record = this.#store.get(id);
    return record && this.#view(record);
  }

  /** stops a playing run (a run already over is answered as it is); undefined for an unknown id */
  async stop(id: string): Promise<RunView | undefined> {
    await this.#active.get(id)?.stop();
    return this.get(id);
  }

  /** its endpoint was removed: runs playing to it stop, ended failed with a reason saying so (as resume does) */
  async endpointRemoved(endpointId: string): Promise<void> {
    const runs = [...this.#active.values()].filter((run) => run.endpointId === endpointId);
    await Promise.all(runs.map((run) => run.fail(`its endpoint ${endpointId} was removed`)));
  }

  /** plays again every run a shutdown or a crash left running; answers how many */
  resume(): number {
    let resumed = 0;
    for (const record of this.#store.running()) {
      try {
        const endpoint = this.#options.endpoints.get(record.endpointId);
        if (!endpoint) throw new Error(`its endpoint ${record.endpointId} was removed`);
        const plan = this.#rebuild(record);
        this.#play(record, plan, this.#targetFor(endpoint, plan), this.#store.deliveries(record.id));
        resumed += 1;
      } catch (error) {
        const message = `cannot resume: ${error instanceof Error ? error.message : String(error)}`;
        this.#options.logger?.error({ runId: record.id, err: error }, 'scenario run not resumed');
        this.#store.finishRun(
          record.id,
          'failed',
          { error: message, progress: this.#storedProgress(record), summary: undefined },
          this.#clock(),
        );
      }
    }
    return resumed;
  }

  /** the sender stops: runs stop starting deliveries and stay running in their rows */
  async close(): Promise<void> {
    await Promise.all([...this.#active.values()].map((run) => run.close()));
  }

  #play(
    record: RunRecord,
    plan: ScenarioPlan,
    target: DeliveryTarget,
    earlier: readonly RunDeliveryRow[] = [],
  ): void {
    const { outbox, engine, logger } = this.#options;
    const run = new ActiveRun({
      record,
      plan,
      store: this.#store,
      outbox,
      engine,
      target,
      earlier,
      clock: this.#clock,
      logger,
      prepareBody: this.#options.prepareBody,
    });
    this.#active.set(record.id, run);
    run.start(() => this.#active.delete(record.id));
  }

  /** the same plan as at its start: same scenario, knobs and startAt, so the same bodies and webhook ids */
  #rebuild(record: RunRecord): ScenarioPlan {
    const found = scenarioOf(record.request.scenario);
    const scenario = 'scenario' in found ? found.scenario : validateScenario(record.request.scenario);
    return createScenarioPlan(scenario, { ...record.request.knobs, startAtMs: record.startAtMs });
  }

  #endpoint(id: string | undefined): Endpoint {
    const endpoint = this.#options.endpoints.get(id ?? DEFAULT_ENDPOINT_ID);
    if (endpoint) return endpoint;
    if (id !== undefined) throw new HttpError(404, 'not_found', `no endpoint ${id}`);
    throw new HttpError(
      409,
      'no_endpoints',
      'no default endpoint to play to: set TARGET_URL or name one of POST /endpoints as endpointId',
    );
  }

  /** the endpoint as the run's one target; it must take every event type of the plan */
  #targetFor(endpoint: Endpoint, plan: ScenarioPlan): DeliveryTarget {
    const types = [...new Set(plan.deliveries.map((delivery) => delivery.type))];
    const refused = types.filter((type) => endpoint.events !== null && !endpoint.events.includes(type));
    const [target] = this.#options.endpoints.targetsFor(types[0] ?? '', [endpoint]);
    if (refused.length > 0 || !target) {
      throw new HttpError(
        409,
        'not_subscribed',
        `endpoint ${endpoint.id} does not take ${refused.join(', ')}, which the scenario sends`,
      );
    }
    return target;
  }

  #storedProgress(record: RunRecord): RunProgress {
    return (
      record.progress ?? {
        planned: record.planned,
        started: 0,
        inFlight: 0,
        settled: 0,
        succeeded: 0,
        failed: 0,
        duplicates: 0,
        outOfOrder: 0,
      }
    );
  }

  #view(record: RunRecord): RunView {
    const active = record.status === 'running' ? this.#active.get(record.id) : undefined;
    return {
      id: record.id,
      scenario: record.scenario,
      endpointId: record.endpointId,
      status: record.status,
      error: record.error,
      knobs: record.request.knobs,
      effectiveConcurrency: Math.min(
        record.request.knobs.concurrency ?? this.#options.engine.endpointConcurrency,
        this.#options.engine.endpointConcurrency,
      ),
      startAt: iso(record.startAtMs),
      createdAt: iso(record.createdAt),
      finishedAt: record.finishedAt === null ? null : iso(record.finishedAt),
      progress: active?.progress ?? this.#storedProgress(record),
      summary: record.summary,
    };
  }
}
