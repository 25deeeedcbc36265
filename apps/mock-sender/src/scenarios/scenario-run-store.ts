// the rows of scenario runs: a run's request (its plan is rebuilt from it on start) and, for each plan
// entry handed to the outbox, its delivery and whether it settled. the outbox row stays the truth of
// the delivery; these rows say which plan entry it is
import type { Statement } from '@omni-webhooks/sqlite';
import type { SqliteDatabase } from '../outbox/database.js';
import type { AttemptRecord } from './scenario-progress.js';
import type { RunSummary } from './scenario-summary.js';

export const RUN_STATUSES = ['running', 'done', 'stopped', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** the counts a run shows while it plays and keeps once it is over */
export interface RunProgress {
  planned: number;
  /** handed to the outbox (in any session of the run) */
  started: number;
  inFlight: number;
  settled: number;
  succeeded: number;
  failed: number;
  /** duplicates handed to the outbox */
  duplicates: number;
  /** originals that arrived before an earlier event of their journey */
  outOfOrder: number;
}

/** what a run's plan is rebuilt from: the scenario (a built-in name or the inline file) and the knobs */
export interface StoredRunRequest {
  scenario: string | Record<string, unknown>;
  knobs: Record<string, number>;
}

export interface RunRecord {
  id: string;
  /** the scenario's name */
  scenario: string;
  endpointId: string;
  request: StoredRunRequest;
  /** the events' wall-clock start: their timestamps and webhook ids come from it */
  startAtMs: number;
  /** clock ms the plan's due times count from */
  runStartMs: number;
  planned: number;
  status: RunStatus;
  error: string | null;
  /** kept once the run is over; a playing run's counts are in memory */
  progress: RunProgress | null;
  summary: RunSummary | null;
  createdAt: number;
  finishedAt: number | null;
}

export type RunDeliveryState = 'dispatched' | 'succeeded' | 'failed';

export interface RunDeliveryRow {
  index: number;
  deliveryId: string;
  state: RunDeliveryState;
  /** ms from the run's start */
  startedAtMs: number;
  settleOrder: number | null;
  settledAtMs: number | null;
}

interface RunRow {
  id: string;
  scenario: string;
  endpoint_id: string;
  request: string;
  start_at_ms: number;
  run_start_ms: number;
  planned: number;
  status: RunStatus;
  error: string | null;
  progress: string | null;
  summary: string | null;
  created_at: number;
  finished_at: number | null;
}

interface DeliveryRow {
  plan_index: number;
  delivery_id: string;
  state: RunDeliveryState;
  started_at_ms: number;
  settle_order: number | null;
  settled_at_ms: number | null;
}

interface AttemptRow {
  delivery_id: string;
  n: number;
  status: number | null;
  error: string | null;
  duration_ms: number | null;
}

const parseJson = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

function toRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    scenario: row.scenario,
    endpointId: row.endpoint_id,
    request: JSON.parse(row.request) as StoredRunRequest,
    startAtMs: row.start_at_ms,
    runStartMs: row.run_start_ms,
    planned: row.planned,
    status: row.status,
    error: row.error,
    progress: parseJson<RunProgress>(row.progress),
    summary: parseJson<RunSummary>(row.summary),
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

const toDeliveryRow = (row: DeliveryRow): RunDeliveryRow => ({
  index: row.plan_index,
  deliveryId: row.delivery_id,
  state: row.state,
  startedAtMs: row.started_at_ms,
  settleOrder: row.settle_order,
  settledAtMs: row.settled_at_ms,
});

const toAttempt = (row: AttemptRow): AttemptRecord => ({
  n: row.n,
  status: row.status,
  error: row.error,
  durationMs: row.duration_ms ?? 0,
});

export class ScenarioRunStore {
  readonly #db: SqliteDatabase;
  // the per-delivery statements, prepared once: each delivery of a run writes twice
  readonly #insertDelivery: Statement;
  readonly #settleDelivery: Statement;
  readonly #selectAttempts: Statement;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#insertDelivery = db.prepare(
      `INSERT INTO scenario_run_deliveries (run_id, plan_index, delivery_id, state, started_at_ms)
         VALUES (?, ?, ?, 'dispatched', ?)`,
    );
    this.#settleDelivery = db.prepare(
      `UPDATE scenario_run_deliveries SET state = ?, settle_order = ?, settled_at_ms = ?
         WHERE run_id = ? AND plan_index = ? AND state = 'dispatched'`,
    );
    this.#selectAttempts = db.prepare(
      'SELECT delivery_id, n, status, error, duration_ms FROM attempts WHERE delivery_id = ? ORDER BY n',
    );
  }

  insertRun(run: RunRecord): void {
    this.#db
      .prepare(
        `INSERT INTO scenario_runs (id, scenario, endpoint_id, request, start_at_ms, run_start_ms, planned,
           status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        run.id,
        run.scenario,
        run.endpointId,
        JSON.stringify(run.request),
        run.startAtMs,
        run.runStartMs,
        run.planned,
        run.status,
        run.createdAt,
      );
  }

  /** a run over: its final counts and summary kept with it; a run no longer running is left as it is */
  finishRun(
    id: string,
    status: Exclude<RunStatus, 'running'>,
    outcome: { error?: string | undefined; progress: RunProgress; summary: RunSummary | undefined },
    now: number,
  ): boolean {
    const changed = this.#db
      .prepare(
        `UPDATE scenario_runs SET status = ?, error = ?, progress = ?, summary = ?, finished_at = ?
           WHERE id = ? AND status = 'running'`,
      )
      .run(
        status,
        outcome.error ?? null,
        JSON.stringify(outcome.progress),
        outcome.summary === undefined ? null : JSON.stringify(outcome.summary),
        now,
        id,
      );
    return changed.changes > 0;
  }

  get(id: string): RunRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM scenario_runs WHERE id = ?').get(id) as RunRow | undefined;
    return row && toRecord(row);
  }

  /** newest first */
  list(limit: number): RunRecord[] {
    const rows = this.#db
      .prepare('SELECT * FROM scenario_runs ORDER BY seq DESC LIMIT ?')
      .all(limit) as RunRow[];
    return rows.map(toRecord);
  }

  /** runs a stop or a crash left running: they resume on start, oldest first */
  running(): RunRecord[] {
    const rows = this.#db
      .prepare("SELECT * FROM scenario_runs WHERE status = 'running' ORDER BY seq")
      .all() as RunRow[];
    return rows.map(toRecord);
  }

  /** whether the outbox holds an event of one of these ids already (a run of the same seed and start) */
  eventsExist(ids: readonly string[]): boolean {
    const row = this.#db
      .prepare('SELECT 1 AS found FROM events WHERE id IN (SELECT value FROM json_each(?)) LIMIT 1')
      .get(JSON.stringify(ids)) as { found: number } | undefined;
    return row !== undefined;
  }

  /** the plan entries handed to the outbox so far, settled ones in settle order first */
  deliveries(runId: string): RunDeliveryRow[] {
    const rows = this.#db
      .prepare(
        `SELECT plan_index, delivery_id, state, started_at_ms, settle_order, settled_at_ms
           FROM scenario_run_deliveries WHERE run_id = ?
           ORDER BY settle_order IS NULL, settle_order, plan_index`,
      )
      .all(runId) as DeliveryRow[];
    return rows.map(toDeliveryRow);
  }

  /** written in the transaction that enqueues the delivery: a crash never leaves one without the other */
  recordDispatch(runId: string, index: number, deliveryId: string, startedAtMs: number): void {
    this.#insertDelivery.run(runId, index, deliveryId, startedAtMs);
  }

  recordSettled(
    runId: string,
    index: number,
    state: 'succeeded' | 'failed',
    settleOrder: number,
    settledAtMs: number,
  ): void {
    this.#settleDelivery.run(state, settleOrder, settledAtMs, runId, index);
  }

  // read from the outbox's own attempt log: the run keeps no copy of what the engine recorded
  attemptsOf(deliveryId: string): AttemptRecord[] {
    return (this.#selectAttempts.all(deliveryId) as AttemptRow[]).map(toAttempt);
  }

  /** every attempt of a run's deliveries, by delivery id */
  attemptsOfRun(runId: string): Map<string, AttemptRecord[]> {
    const rows = this.#db
      .prepare(
        `SELECT a.delivery_id, a.n, a.status, a.error, a.duration_ms FROM scenario_run_deliveries d
           JOIN attempts a ON a.delivery_id = d.delivery_id WHERE d.run_id = ? ORDER BY a.delivery_id, a.n`,
      )
      .all(runId) as AttemptRow[];
    const byDelivery = new Map<string, AttemptRecord[]>();
    for (const row of rows) {
      const attempts = byDelivery.get(row.delivery_id) ?? [];
      attempts.push(toAttempt(row));
      byDelivery.set(row.delivery_id, attempts);
    }
    return byDelivery;
  }
}
