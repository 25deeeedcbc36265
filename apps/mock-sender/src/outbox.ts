import type { SqliteDatabase } from './database.js';
import { newId } from './ids.js';
import type { Statement } from './sqlite-driver.js';
import { WriteBatcher } from './write-batcher.js';

export const DELIVERY_STATES = ['pending', 'in_flight', 'succeeded', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** where and how one delivery is sent; copied onto the delivery so it survives endpoint changes */
export interface DeliveryTarget {
  endpointId: string;
  url: string;
  secret: string | undefined;
  secretHeader: string;
  sign: boolean;
}

export interface OutboxEvent {
  id: string;
  type: string;
  /** the exact bytes sent on every attempt */
  body: string;
}

export interface DeliverySummary {
  id: string;
  eventId: string;
  endpointId: string;
  url: string;
  state: DeliveryState;
}

export interface AttemptView {
  n: number;
  startedAt: string;
  durationMs: number | null;
  status: number | null;
  error: string | null;
  responseBody: string | null;
}

/** an attempt as lists show it: without the response body */
export type AttemptSummary = Omit<AttemptView, 'responseBody'>;

/** a delivery as lists show it: without the payload and the response bodies */
export interface DeliveryListItem extends DeliverySummary {
  event: string;
  attempts: AttemptSummary[];
  nextAttemptAt: string | null;
  createdAt: string;
  redeliveryOf: string | null;
}

/** one delivery whole: `GET /deliveries/:id`, and lists with `include=payload` */
export interface DeliveryView extends Omit<DeliveryListItem, 'attempts'> {
  attempts: AttemptView[];
  payload: unknown;
}

/** where a delivery stands in its schedule: all the engine keeps in memory between attempts */
export interface DeliverySchedule {
  id: string;
  endpointId: string;
  state: DeliveryState;
  attemptCount: number;
  nextAttemptAt: number | null;
  /** waiting in the outbox for the due-queue, held by no run */
  parked: boolean;
}

/** what one attempt needs, read from the outbox when the attempt starts */
export interface DeliveryJob extends DeliveryTarget, DeliverySchedule {
  eventId: string;
  body: string;
}

export interface AttemptOutcome {
  durationMs: number;
  status: number | null;
  error: string | null;
  responseBody: string | null;
}

export type NextStep =
  | { state: 'pending'; nextAttemptAt: number; parked: boolean }
  | { state: 'succeeded' | 'failed' };

export interface DeliveryQuery {
  state?: DeliveryState | undefined;
  event?: string | undefined;
  limit: number;
  cursor?: string | undefined;
  /** whole deliveries (payload, response bodies); a list leaves them out otherwise */
  includePayload?: boolean | undefined;
}

export interface DeliveryPage<T> {
  deliveries: T[];
  nextCursor: string | null;
}

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

interface JobRow {
  id: string;
  event_id: string;
  body: string;
  endpoint_id: string;
  url: string;
  secret: string | null;
  secret_header: string;
  sign: number;
  state: DeliveryState;
  attempt_count: number;
  next_attempt_at: number | null;
  parked: number;
}

type ScheduleRow = Pick<
  JobRow,
  'id' | 'endpoint_id' | 'state' | 'attempt_count' | 'next_attempt_at' | 'parked'
>;

interface ViewRow {
  seq: number;
  id: string;
  event_id: string;
  type: string;
  /** absent from summary rows */
  body?: string;
  endpoint_id: string;
  url: string;
  state: DeliveryState;
  next_attempt_at: number | null;
  created_at: number;
  redelivery_of: string | null;
  attempts: string;
}

const JOB_COLUMNS = `d.id, d.event_id, e.body, d.endpoint_id, d.url, d.secret, d.secret_header, d.sign,
  d.state, d.attempt_count, d.next_attempt_at, d.parked`;

const SCHEDULE_COLUMNS = 'id, endpoint_id, state, attempt_count, next_attempt_at, parked';

// attempts folded into one json column so a page of deliveries is one query; a summary row leaves the
// bodies out in sql, so they are never read from disk or parsed
const viewColumns = (
  whole: boolean,
) => `d.seq, d.id, d.event_id, e.type, ${whole ? 'e.body, ' : ''}d.endpoint_id,
  d.url, d.state, d.next_attempt_at, d.created_at, d.redelivery_of,
  (SELECT json_group_array(json_object('n', a.n, 'startedAt', a.started_at, 'durationMs', a.duration_ms,
     'status', a.status, 'error', a.error${whole ? ", 'responseBody', a.response_body" : ''}))
   FROM (SELECT * FROM attempts WHERE delivery_id = d.id ORDER BY n) a) AS attempts`;
const VIEW_COLUMNS = viewColumns(true);
const SUMMARY_COLUMNS = viewColumns(false);

const iso = (ms: number): string => new Date(ms).toISOString();

function toSchedule(row: ScheduleRow): DeliverySchedule {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    state: row.state,
    attemptCount: row.attempt_count,
    nextAttemptAt: row.next_attempt_at,
    parked: row.parked === 1,
  };
}

function toJob(row: JobRow): DeliveryJob {
  return {
    id: row.id,
    eventId: row.event_id,
    body: row.body,
    endpointId: row.endpoint_id,
    url: row.url,
    secret: row.secret ?? undefined,
    secretHeader: row.secret_header,
    sign: row.sign === 1,
    state: row.state,
    attemptCount: row.attempt_count,
    nextAttemptAt: row.next_attempt_at,
    parked: row.parked === 1,
  };
}

function toListItem(row: ViewRow): DeliveryListItem {
  const attempts = JSON.parse(row.attempts) as (Omit<AttemptSummary, 'startedAt'> & { startedAt: number })[];
  return {
    id: row.id,
    event: row.type,
    eventId: row.event_id,
    endpointId: row.endpoint_id,
    url: row.url,
    state: row.state,
    attempts: attempts.map((attempt) => ({ ...attempt, startedAt: iso(attempt.startedAt) })),
    nextAttemptAt: row.next_attempt_at === null ? null : iso(row.next_attempt_at),
    createdAt: iso(row.created_at),
    redeliveryOf: row.redelivery_of,
  };
}

function toView(row: ViewRow): DeliveryView {
  const item = toListItem(row);
  return {
    ...item,
    attempts: item.attempts as AttemptView[],
    payload: JSON.parse(row.body ?? 'null') as unknown,
  };
}

const encodeCursor = (seq: number): string => Buffer.from(String(seq)).toString('base64url');

function decodeCursor(cursor: string): number {
  const seq = Number(Buffer.from(cursor, 'base64url').toString());
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new InvalidCursorError('cursor is not one this server returned');
  }
  return seq;
}

export interface OutboxOptions {
  /**
   * true (default): the engine's attempt writes from concurrent deliveries share a commit (see
   * WriteBatcher); false: each commits alone, as before group commit (the bench's baseline)
   */
  groupCommit?: boolean | undefined;
}

/** the durable record of events, deliveries and attempts: the truth the engine resumes from */
export class Outbox {
  readonly #db: SqliteDatabase;
  readonly #statements = new Map<string, Statement>();
  readonly #writes: WriteBatcher;
  // the per-delivery and per-attempt statements, held directly: no lookup keyed by a long sql string per call
  readonly #selectJob: Statement;
  readonly #selectSchedule: Statement;
  readonly #insertAttempt: Statement;
  readonly #markInFlight: Statement;
  readonly #recordOutcome: Statement;
  readonly #setNextStep: Statement;
  readonly #beginAttemptTransaction: (id: string, n: number, startedAt: number) => boolean;
  readonly #finishAttemptTransaction: (
    id: string,
    n: number,
    outcome: AttemptOutcome,
    next: NextStep,
    now: number,
  ) => boolean;

  constructor(db: SqliteDatabase, options: OutboxOptions = {}) {
    this.#db = db;
    this.#writes = new WriteBatcher(db, { gather: options.groupCommit ?? true });
    this.#selectJob = db.prepare(
      `SELECT ${JOB_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ?`,
    );
    this.#selectSchedule = db.prepare(`SELECT ${SCHEDULE_COLUMNS} FROM deliveries WHERE id = ?`);
    this.#insertAttempt = db.prepare('INSERT INTO attempts (delivery_id, n, started_at) VALUES (?, ?, ?)');
    // conditional: only the attempt that follows the stored one, of a delivery still pending
    this.#markInFlight = db.prepare(
      `UPDATE deliveries SET state = 'in_flight', attempt_count = ?, next_attempt_at = NULL, parked = 0,
         updated_at = ? WHERE id = ? AND state = 'pending' AND attempt_count = ?`,
    );
    this.#recordOutcome = db.prepare(
      `UPDATE attempts SET duration_ms = ?, status = ?, error = ?, response_body = ?
         WHERE delivery_id = ? AND n = ?`,
    );
    // conditional: only while this very attempt is the one in flight
    this.#setNextStep = db.prepare(
      `UPDATE deliveries SET state = ?, next_attempt_at = ?, parked = ?, updated_at = ?
         WHERE id = ? AND state = 'in_flight' AND attempt_count = ?`,
    );
    this.#beginAttemptTransaction = db.transaction((id: string, n: number, startedAt: number) =>
      this.#writeBeginAttempt(id, n, startedAt),
    );
    this.#finishAttemptTransaction = db.transaction(
      (id: string, n: number, outcome: AttemptOutcome, next: NextStep, now: number) =>
        this.#writeFinishAttempt(id, n, outcome, next, now),
    );
  }

  // statements are prepared once: every attempt writes twice, so this is the hot path
  #sql(text: string): Statement {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  /** stores the events and one pending delivery per (event, target), all in one transaction */
  enqueue(
    events: readonly OutboxEvent[],
    targetsFor: (event: OutboxEvent) => readonly DeliveryTarget[],
    now: number,
  ): DeliverySummary[] {
    const insertEvent = this.#sql('INSERT INTO events (id, type, body, created_at) VALUES (?, ?, ?, ?)');
    return this.#db.transaction(() => {
      const deliveries: DeliverySummary[] = [];
      for (const event of events) {
        insertEvent.run(event.id, event.type, event.body, now);
        for (const target of targetsFor(event)) {
          deliveries.push(this.#insertDelivery(event.id, target, now, null));
        }
      }
      return deliveries;
    })();
  }

  /** a new delivery of the same event bytes to the same target, with a fresh schedule */
  redeliver(id: string, now: number): DeliverySummary | undefined {
    const original = this.job(id);
    if (!original) {
      return undefined;
    }
    return this.#insertDelivery(original.eventId, original, now, original.id);
  }

  #insertDelivery(
    eventId: string,
    target: DeliveryTarget,
    now: number,
    redeliveryOf: string | null,
  ): DeliverySummary {
    const id = newId('dlv');
    this.#sql(
      `INSERT INTO deliveries (id, event_id, endpoint_id, url, secret, secret_header, sign, state,
           next_attempt_at, redelivery_of, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
    ).run(
      id,
      eventId,
      target.endpointId,
      target.url,
      target.secret ?? null,
      target.secretHeader,
      target.sign ? 1 : 0,
      now,
      redeliveryOf,
      now,
      now,
    );
    return { id, eventId, endpointId: target.endpointId, url: target.url, state: 'pending' };
  }

  job(id: string): DeliveryJob | undefined {
    const row = this.#selectJob.get(id) as JobRow | undefined;
    return row && toJob(row);
  }

  /** where one delivery stands, without its body or target (those are read per attempt) */
  schedule(id: string): DeliverySchedule | undefined {
    const row = this.#selectSchedule.get(id) as ScheduleRow | undefined;
    return row && toSchedule(row);
  }

  /** deliveries not yet settled */
  openCount(): number {
    const row = this.#sql(
      "SELECT count(*) AS n FROM deliveries WHERE state IN ('pending', 'in_flight')",
    ).get() as { n: number };
    return row.n;
  }

  /** deliveries whose attempt had no outcome when the sender stopped */
  interruptedSchedules(): DeliverySchedule[] {
    const rows = this.#sql(
      `SELECT ${SCHEDULE_COLUMNS} FROM deliveries WHERE state = 'in_flight' ORDER BY seq`,
    ).all() as ScheduleRow[];
    return rows.map(toSchedule);
  }

  /** hands one pending delivery to the due-queue */
  park(id: string): void {
    this.#sql("UPDATE deliveries SET parked = 1 WHERE id = ? AND state = 'pending'").run(id);
  }

  /** hands every pending delivery to the due-queue: after a start no run holds any */
  parkPending(): void {
    this.#sql("UPDATE deliveries SET parked = 1 WHERE state = 'pending' AND parked = 0").run();
  }

  /** the soonest next attempt among parked deliveries, leaving out those to the endpoints in `exclude` */
  earliestParked(exclude: readonly string[] = []): number | undefined {
    const row = (
      exclude.length === 0
        ? this.#sql(
            `SELECT next_attempt_at FROM deliveries WHERE state = 'pending' AND parked = 1
               ORDER BY next_attempt_at, seq LIMIT 1`,
          ).get()
        : this.#sql(
            `SELECT next_attempt_at FROM deliveries WHERE state = 'pending' AND parked = 1
               AND endpoint_id NOT IN (SELECT value FROM json_each(?)) ORDER BY next_attempt_at, seq LIMIT 1`,
          ).get(JSON.stringify(exclude))
    ) as { next_attempt_at: number | null } | undefined;
    return row ? (row.next_attempt_at ?? 0) : undefined;
  }

  /**
   * parked deliveries due at `now`, soonest first, up to `limit`, leaving out those to the endpoints in
   * `exclude`; they stay parked until `unpark`
   */
  dueParked(now: number, limit: number, exclude: readonly string[] = []): DeliverySchedule[] {
    const rows = (
      exclude.length === 0
        ? this.#sql(
            `SELECT ${SCHEDULE_COLUMNS} FROM deliveries WHERE state = 'pending' AND parked = 1
               AND next_attempt_at <= ? ORDER BY next_attempt_at, seq LIMIT ?`,
          ).all(now, limit)
        : this.#sql(
            `SELECT ${SCHEDULE_COLUMNS} FROM deliveries WHERE state = 'pending' AND parked = 1
               AND next_attempt_at <= ? AND endpoint_id NOT IN (SELECT value FROM json_each(?))
               ORDER BY next_attempt_at, seq LIMIT ?`,
          ).all(now, JSON.stringify(exclude), limit)
    ) as ScheduleRow[];
    return rows.map(toSchedule);
  }

  /** takes deliveries out of the due-queue: a run holds them now */
  unpark(ids: readonly string[]): void {
    const statement = this.#sql('UPDATE deliveries SET parked = 0 WHERE id = ?');
    this.transaction(() => {
      for (const id of ids) {
        statement.run(id);
      }
    });
  }

  /** runs `work` in one transaction (nested calls join it) */
  transaction<T>(work: () => T): T {
    return this.#db.transaction(work)();
  }

  /**
   * The attempt is written before the request goes out, so a crash mid-attempt is visible on restart.
   * False, writing nothing, unless the delivery is pending with n - 1 attempts: someone else (another
   * process on the same file, a recovery) moved it on, and this attempt must not be sent.
   */
  beginAttempt(id: string, n: number, startedAt: number): boolean {
    return this.#beginAttemptTransaction(id, n, startedAt);
  }

  /**
   * The attempt's outcome and the delivery's next step, in one transaction. False, writing nothing,
   * unless attempt n is still the one in flight (it was recovered as interrupted, or superseded).
   */
  finishAttempt(id: string, n: number, outcome: AttemptOutcome, next: NextStep, now: number): boolean {
    return this.#finishAttemptTransaction(id, n, outcome, next, now);
  }

  /**
   * beginAttempt, committed together with the other attempt writes of this turn of the event loop
   * (group commit); resolves once committed, so the request may go out (only when true)
   */
  commitBeginAttempt(id: string, n: number, startedAt: number): Promise<boolean> {
    return this.#writes.run(() => this.#writeBeginAttempt(id, n, startedAt));
  }

  /** finishAttempt through group commit; resolves once committed, so a wait may start (only when true) */
  commitFinishAttempt(
    id: string,
    n: number,
    outcome: AttemptOutcome,
    next: NextStep,
    now: number,
  ): Promise<boolean> {
    return this.#writes.run(() => this.#writeFinishAttempt(id, n, outcome, next, now));
  }

  #writeBeginAttempt(id: string, n: number, startedAt: number): boolean {
    if (this.#markInFlight.run(n, startedAt, id, n - 1).changes === 0) {
      return false;
    }
    this.#insertAttempt.run(id, n, startedAt);
    return true;
  }

  #writeFinishAttempt(id: string, n: number, outcome: AttemptOutcome, next: NextStep, now: number): boolean {
    const moved = this.#setNextStep.run(
      next.state,
      next.state === 'pending' ? next.nextAttemptAt : null,
      next.state === 'pending' && next.parked ? 1 : 0,
      now,
      id,
      n,
    );
    if (moved.changes === 0) {
      return false;
    }
    this.#recordOutcome.run(outcome.durationMs, outcome.status, outcome.error, outcome.responseBody, id, n);
    return true;
  }

  /** start time of an attempt that has no outcome yet (the sender stopped during it) */
  attemptStartedAt(id: string, n: number): number | undefined {
    const row = this.#sql('SELECT started_at FROM attempts WHERE delivery_id = ? AND n = ?').get(id, n) as
      | { started_at: number }
      | undefined;
    return row?.started_at;
  }

  get(id: string): DeliveryView | undefined {
    const row = this.#sql(
      `SELECT ${VIEW_COLUMNS} FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ?`,
    ).get(id) as ViewRow | undefined;
    return row && toView(row);
  }

  /**
   * newest first; `nextCursor` is set while older deliveries remain. Without payloads and response
   * bodies unless `includePayload`
   */
  list(query: DeliveryQuery & { includePayload: true }): DeliveryPage<DeliveryView>;
  list(query: DeliveryQuery): DeliveryPage<DeliveryListItem>;
  list(query: DeliveryQuery): DeliveryPage<DeliveryListItem | DeliveryView> {
    const conditions: string[] = [];
    const params: (string | number)[] = [];
    if (query.state) {
      conditions.push('d.state = ?');
      params.push(query.state);
    }
    if (query.event) {
      conditions.push('e.type = ?');
      params.push(query.event);
    }
    if (query.cursor) {
      conditions.push('d.seq < ?');
      params.push(decodeCursor(query.cursor));
    }
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows = this.#sql(
      `SELECT ${query.includePayload ? VIEW_COLUMNS : SUMMARY_COLUMNS} FROM deliveries d
         JOIN events e ON e.id = d.event_id ${where} ORDER BY d.seq DESC LIMIT ?`,
    ).all(...params, query.limit + 1) as ViewRow[];
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      deliveries: page.map(query.includePayload ? toView : toListItem),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.seq) : null,
    };
  }
}
