import { createHash } from 'node:crypto';
import type { Statement } from '@omni-webhooks/sqlite';
import { GroupCommit } from '@omni-webhooks/sqlite/group-commit';
import { newId } from '../base/ids.js';
import type { SqliteDatabase } from './database.js';
import {
  decodeCursor,
  encodeCursor,
  JOB_COLUMNS,
  type JobRow,
  SCHEDULE_COLUMNS,
  type ScheduleRow,
  SUMMARY_COLUMNS,
  toJob,
  toListItem,
  toSchedule,
  toView,
  VIEW_COLUMNS,
  type ViewRow,
} from './outbox-rows.js';
import type {
  AttemptOutcome,
  DeliveryJob,
  DeliveryListItem,
  DeliveryPage,
  DeliveryQuery,
  DeliverySchedule,
  DeliverySummary,
  DeliveryTarget,
  DeliveryView,
  NextStep,
  OutboxEvent,
} from './outbox-types.js';

export * from './outbox-types.js';

export interface OutboxOptions {
  /**
   * true (default): the engine's attempt writes from concurrent deliveries share a commit (see
   * GroupCommit in @omni-webhooks/sqlite); false: each commits alone, as before group commit (the bench's baseline)
   */
  groupCommit?: boolean | undefined;
}

/** the durable record of events, deliveries and attempts: the truth the engine resumes from */
export class Outbox {
  readonly #db: SqliteDatabase;
  readonly #statements = new Map<string, Statement>();
  readonly #writes: GroupCommit;
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
    this.#writes = new GroupCommit(db, { gather: options.groupCommit ?? true });
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
    const insertEvent = this.#sql('INSERT INTO events (id, type, body_id, created_at) VALUES (?, ?, ?, ?)');
    const bodyIds = new Map<string, number>();
    return this.#db.transaction(() => {
      const deliveries: DeliverySummary[] = [];
      for (const event of events) {
        let bodyId = bodyIds.get(event.body);
        if (bodyId === undefined) {
          bodyId = this.#storeBody(event.body);
          bodyIds.set(event.body, bodyId);
        }
        insertEvent.run(event.id, event.type, bodyId, now);
        for (const target of targetsFor(event)) {
          deliveries.push(this.#insertDelivery(event.id, target, now, null));
        }
      }
      return deliveries;
    })();
  }

  /** the id of this body's row, written if no event sent these bytes before */
  #storeBody(body: string): number {
    const hash = createHash('sha256').update(body).digest('base64url');
    this.#sql('INSERT INTO bodies (hash, body) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING').run(hash, body);
    const row = this.#sql('SELECT id FROM bodies WHERE hash = ?').get(hash) as { id: number };
    return row.id;
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
      `INSERT INTO deliveries (id, event_id, endpoint_id, url, secret, secret_header, signing_key, sign,
           state, next_attempt_at, redelivery_of, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
    ).run(
      id,
      eventId,
      target.endpointId,
      target.url,
      target.secret ?? null,
      target.secretHeader,
      target.signingKey ?? null,
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
