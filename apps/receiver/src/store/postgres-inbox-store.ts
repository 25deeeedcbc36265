import { randomUUID } from 'node:crypto';
import { Client, DatabaseError, Pool } from 'pg';
import type { ExportOptions } from './drift-records.js';
import {
  type ClaimedEvent,
  type ClaimOptions,
  decodeCursor,
  type EventPage,
  type ExhaustedEvent,
  encodeCursor,
  INBOX_STATUSES,
  type InboxIssue,
  type InboxStatus,
  type InboxStore,
  type InsertResult,
  type ListedEvent,
  type ListedEventPage,
  type ListOptions,
  NEVER_FINISHED_ERROR,
  type NewInboxEvent,
  type StoredEvent,
  UnstorableEventError,
} from './inbox-store.js';
import { postgresDriftRecords } from './postgres-drift-records.js';
import { postgresEventFeed } from './postgres-event-feed.js';
import { migratePostgres } from './postgres-migrations.js';
import { postgresRetention } from './postgres-retention.js';
import { upsertEvents } from './postgres-upsert.js';
import { createStatementBatcher } from './statement-batcher.js';
import { checkStorablePayload, storedLabel, storedType } from './storable-text.js';

export interface PostgresInboxStoreOptions {
  /** `postgres://user:password@host:5432/database` (or `postgresql://`) */
  connectionString: string;
  /** most connections this store opens; default 10 */
  poolMax?: number;
  /** how long to wait for a connection (new, or free in a full pool) before failing; default 5000 */
  connectionTimeoutMs?: number;
  /**
   * the server cancels a statement running (or waiting on a lock) this long, and ends a session idle
   * inside a transaction this long; the client gives up a little later, for a database that does not
   * answer at all. default 10000
   */
  queryTimeoutMs?: number;
  /** shown in pg_stat_activity; default 'omni-webhooks-receiver' */
  applicationName?: string;
  /**
   * send the inserts (and completions) waiting while earlier ones are in flight as one multi-row
   * statement, so a burst costs a few round trips and commits instead of one each; default true
   */
  groupCommit?: boolean;
  /** a pooled connection broke while idle (database restarted, backend killed); the pool reconnects */
  onConnectionError?: (error: Error) => void;
}

interface SummaryRow {
  seq: string;
  id: string;
  dedupe_key: string;
  type: string;
  status: InboxStatus;
  /** json text; absent from a summary */
  issues?: string | null;
  delivery_count: number;
  received_at: Date;
  processed_at: Date | null;
  handler_attempts: number;
  last_error: string | null;
}

interface EventRow extends SummaryRow {
  payload: string;
}

interface ClaimRow {
  seq: string;
  id: string;
  type: string;
  payload: string;
  handler_attempts: number;
  /** null on a row the claim failed for having had every attempt */
  lease_token: string | null;
}

// a list without payloads leaves issues out too: a page of 10 000 rows stays small
const SUMMARY_COLUMNS =
  'seq, id, dedupe_key, type, status, delivery_count, received_at, processed_at, handler_attempts, last_error';
// issues_json since migration 3; the jsonb column for rows a replica of the version before wrote
const EVENT_COLUMNS = `${SUMMARY_COLUMNS}, COALESCE(issues_json, issues::text) AS issues, payload`;

// a bound on one statement's size (arrays of this many elements)
const MAX_BATCH = 500;

// completions of one worker's batch land together: one statement marks them all, each row taking its
// lease token and time from its id's position in the arrays. a lease token only ever sits on a
// received event (claims set it, every status change clears it), so matching it is the status check;
// naming `status` as well would steer the planner to the claim index and a scan of the whole backlog.
const COMPLETE_SQL = `UPDATE inbox_events AS e
  SET status = 'processed', processed_at = ($3::timestamptz[])[array_position($1::uuid[], e.id)],
    lease_token = NULL, lease_until = NULL
  WHERE e.id = ANY ($1::uuid[]) AND e.lease_token = ($2::uuid[])[array_position($1::uuid[], e.id)]
  RETURNING e.id`;

interface Completion {
  id: string;
  leaseToken: string;
  at: Date;
}

// without `now`, leases use the database's clock: every replica then agrees on when one expires.
// a due event that already had every attempt never finished its last one: it is failed, not claimed,
// and returned without a lease token. the row lock (SKIP LOCKED) makes this claim the only one to fail it
const CLAIM_SQL = `WITH clock AS (SELECT COALESCE($1::timestamptz, now()) AS at),
  due AS (
    SELECT seq, handler_attempts >= COALESCE($5::integer, 2147483647) AS exhausted FROM inbox_events, clock
    WHERE status = 'received' AND available_at <= clock.at AND (lease_until IS NULL OR lease_until <= clock.at)
    ORDER BY seq
    LIMIT $2
    FOR UPDATE OF inbox_events SKIP LOCKED
  ),
  exhausted AS (
    UPDATE inbox_events AS e
    SET status = 'failed', last_error = $6 || ' ' || e.handler_attempts, processed_at = clock.at,
      lease_token = NULL, lease_until = NULL
    FROM due, clock
    WHERE e.seq = due.seq AND due.exhausted
    RETURNING e.seq, e.id, e.type, e.payload, e.handler_attempts, NULL::uuid AS lease_token
  ),
  leased AS (
    UPDATE inbox_events AS e
    SET lease_token = $3, lease_until = clock.at + $4::integer * interval '1 millisecond',
      handler_attempts = e.handler_attempts + 1
    FROM due, clock
    WHERE e.seq = due.seq AND NOT due.exhausted
    RETURNING e.seq, e.id, e.type, e.payload, e.handler_attempts, e.lease_token
  )
  SELECT * FROM leased UNION ALL SELECT * FROM exhausted`;

// how much later than the server the client gives up on a statement
const CLIENT_TIMEOUT_MARGIN_MS = 2000;

/** settings of every pooled session */
function sessionOptions(timeoutMs: number): string {
  return [
    // every statement here reads a few rows by index, in index order. a bitmap scan never marks dead
    // index entries, so a claim planned as one (the planner's guess for a small backlog) would re-read
    // every processed event left in the claim index since the last vacuum; an index scan skips them
    'enable_bitmapscan=off',
    // cancelled by the server, the statement frees its backend and the connection stays usable
    `statement_timeout=${timeoutMs}`,
    `lock_timeout=${timeoutMs}`,
    // a transaction here never waits on the application between statements: one left idle belongs to a
    // stalled process, and must not keep its row locks
    `idle_in_transaction_session_timeout=${timeoutMs}`,
  ]
    .map((setting) => `-c ${setting}`)
    .join(' ');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createPostgresInboxStore(options: PostgresInboxStoreOptions): InboxStore {
  const poolMax = options.poolMax ?? 10;
  const applicationName = options.applicationName ?? 'omni-webhooks-receiver';
  const timeoutMs = Math.max(1, Math.round(options.queryTimeoutMs ?? 10_000));
  const pool = new Pool({
    connectionString: options.connectionString,
    max: poolMax,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
    // a backstop only: a client that gives up drops its connection, but the backend goes on (waiting on
    // a lock, say) while the pool opens another, so the server's own timeouts must come first
    query_timeout: timeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: applicationName,
    options: sessionOptions(timeoutMs),
  });
  // an idle client whose connection dies is dropped by the pool, which then emits 'error': without a
  // listener that would crash the process; the next query simply opens a new connection
  pool.on('error', (error) => options.onConnectionError?.(error));

  const groupCommit = options.groupCommit ?? true;
  // part of the pool is left to claims and reads while writes queue up behind the batches in flight
  const inserts = createStatementBatcher<NewInboxEvent, InsertResult>({
    run: (events) => upsertEvents(pool, events),
    maxBatch: MAX_BATCH,
    maxInFlight: Math.max(1, Math.floor(poolMax / 2)),
    gather: groupCommit,
    retryAlone: refusedByServer,
    retryBatch: lostToAnotherTransaction,
  });
  const completions = createStatementBatcher<Completion, boolean>({
    run: async (done) => {
      const { rows } = await pool.query<{ id: string }>(COMPLETE_SQL, [
        done.map((completion) => completion.id),
        done.map((completion) => completion.leaseToken),
        done.map((completion) => completion.at),
      ]);
      const completed = new Set(rows.map((row) => row.id));
      return done.map((completion) => completed.has(completion.id));
    },
    maxBatch: MAX_BATCH,
    maxInFlight: Math.max(1, Math.floor(poolMax / 4)),
    gather: groupCommit,
    retryAlone: refusedByServer,
    retryBatch: lostToAnotherTransaction,
  });
  const drift = postgresDriftRecords(pool);
  const feed = postgresEventFeed(pool);
  const retention = postgresRetention(pool);
  let migrated = false;
  let closed = false;

  function ready(): void {
    if (closed) throw new Error('inbox store is closed');
    if (!migrated) throw new Error('inbox store is not migrated: call migrate() first');
  }

  async function query<Row extends object>(sql: string, params: unknown[] = []): Promise<Row[]> {
    ready();
    return (await pool.query<Row>(sql, params)).rows;
  }

  return {
    async migrate() {
      if (closed) throw new Error('inbox store is closed');
      // its own connection, outside the pool's statement timeout: a replica may wait on the lock for as
      // long as another one's migration takes
      const client = new Client({
        connectionString: options.connectionString,
        connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
        application_name: applicationName,
      });
      // a connection lost mid-migration surfaces as the failed query; this keeps it off the process
      client.on('error', () => undefined);
      await client.connect();
      try {
        await migratePostgres(client);
        migrated = true;
      } finally {
        await client.end();
      }
    },

    async insert(event) {
      ready();
      checkStorablePayload(event.payload);
      try {
        return await inserts.add({ ...event, type: storedType(event.type) });
      } catch (error) {
        // retried alone and refused again: this event's values, not the database
        if (isDataError(error)) {
          throw new UnstorableEventError(`the database refused the event's values: ${error.message}`, {
            cause: error,
          });
        }
        throw error;
      }
    },

    async claim({ limit, leaseMs, now, maxAttempts, onExhausted }: ClaimOptions): Promise<ClaimedEvent[]> {
      const rows = await query<ClaimRow>(CLAIM_SQL, [
        now ?? null,
        limit,
        randomUUID(),
        leaseMs,
        maxAttempts ?? null,
        NEVER_FINISHED_ERROR,
      ]);
      // RETURNING has no order: hand them out oldest first
      rows.sort((a, b) => Number(a.seq) - Number(b.seq));
      const claimed: ClaimedEvent[] = [];
      const exhausted: ExhaustedEvent[] = [];
      for (const row of rows) {
        const event = {
          id: row.id,
          type: row.type,
          payload: row.payload,
          handlerAttempts: row.handler_attempts,
        };
        if (row.lease_token === null) exhausted.push(event);
        else claimed.push({ ...event, leaseToken: row.lease_token });
      }
      if (exhausted.length > 0) onExhausted?.(exhausted);
      return claimed;
    },

    async renewLease(id, leaseToken, leaseMs, now) {
      ready();
      if (!UUID.test(id) || !UUID.test(leaseToken)) return false;
      // on the database clock unless told otherwise, like the claim that set it
      const result = await pool.query(
        `UPDATE inbox_events SET lease_until = COALESCE($3::timestamptz, now()) + $4::integer * interval '1 millisecond'
         WHERE id = $1 AND lease_token = $2`,
        [id, leaseToken, now ?? null, leaseMs],
      );
      return result.rowCount === 1;
    },

    async releaseOrphanedLeases() {
      // another replica's lease looks the same as a dead one's: only its expiry tells them apart
      ready();
      return 0;
    },

    async complete(id, leaseToken, now = new Date()) {
      ready();
      if (!UUID.test(id) || !UUID.test(leaseToken)) return false;
      return completions.add({ id, leaseToken, at: now });
    },

    async fail(id, leaseToken, error, retryAt, now = new Date()) {
      ready();
      if (!UUID.test(id) || !UUID.test(leaseToken)) return false;
      const result = retryAt
        ? await pool.query(
            `UPDATE inbox_events SET last_error = $1, available_at = $2, lease_token = NULL, lease_until = NULL
             WHERE id = $3 AND lease_token = $4 AND status = 'received'`,
            [storedLabel(error), retryAt, id, leaseToken],
          )
        : await pool.query(
            `UPDATE inbox_events SET status = 'failed', last_error = $1, processed_at = $2, lease_token = NULL,
               lease_until = NULL
             WHERE id = $3 AND lease_token = $4 AND status = 'received'`,
            [storedLabel(error), now, id, leaseToken],
          );
      return result.rowCount === 1;
    },

    async requeue(id, now) {
      ready();
      if (!UUID.test(id)) return undefined;
      const [row] = await query<EventRow>(
        `UPDATE inbox_events SET status = 'received', issues = NULL, issues_json = NULL, available_at = COALESCE($2::timestamptz, now()),
           processed_at = NULL, lease_token = NULL, lease_until = NULL,
           handler_attempts = CASE WHEN status = 'failed' THEN 0 ELSE handler_attempts END
         WHERE id = $1 AND status IN ('rejected', 'failed')
         RETURNING ${EVENT_COLUMNS}`,
        [id, now ?? null],
      );
      return row ? toStoredEvent(row) : undefined;
    },

    async get(id) {
      ready();
      // not an id this store hands out; asking postgres would fail the uuid cast instead
      if (!UUID.test(id)) return undefined;
      const [row] = await query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM inbox_events WHERE id = $1`, [id]);
      return row ? toStoredEvent(row) : undefined;
    },

    async list({
      type,
      status,
      limit,
      cursor,
      includePayload = false,
    }: ListOptions): Promise<ListedEventPage> {
      const where: string[] = [];
      const params: (string | number)[] = [];
      const bind = (value: string | number) => {
        params.push(value);
        return `$${params.length}`;
      };
      if (type !== undefined) where.push(`type = ${bind(storedType(type))}`);
      if (status !== undefined) where.push(`status = ${bind(status)}`);
      if (cursor !== undefined) where.push(`seq < ${bind(decodeCursor(cursor))}`);
      const rows = await query<SummaryRow & { payload?: string }>(
        `SELECT ${includePayload ? EVENT_COLUMNS : SUMMARY_COLUMNS} FROM inbox_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY seq DESC LIMIT ${bind(limit + 1)}`,
        params,
      );
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        events: page.map((row) =>
          row.payload === undefined ? toListedEvent(row) : toStoredEvent({ ...row, payload: row.payload }),
        ),
        nextCursor: rows.length > limit && last ? encodeCursor(Number(last.seq)) : null,
      };
    },

    async countByStatus() {
      const counts = Object.fromEntries(INBOX_STATUSES.map((status) => [status, 0])) as Record<
        InboxStatus,
        number
      >;
      const rows = await query<{ status: InboxStatus; n: number }>(
        'SELECT status, count(*)::integer AS n FROM inbox_events GROUP BY status',
      );
      for (const row of rows) counts[row.status] = row.n;
      return counts;
    },

    async recordDrift(observations) {
      ready();
      return drift.record(observations);
    },

    async listDrift(options) {
      ready();
      return drift.list(options);
    },

    async countDrift() {
      ready();
      return drift.count();
    },

    async exportEvents({ type, since, cursor, limit }: ExportOptions): Promise<EventPage> {
      const where: string[] = [];
      const params: (string | number | Date)[] = [];
      const bind = (value: string | number | Date) => {
        params.push(value);
        return `$${params.length}`;
      };
      if (type !== undefined) where.push(`type = ${bind(storedType(type))}`);
      if (since !== undefined) where.push(`received_at >= ${bind(since)}`);
      if (cursor !== undefined) where.push(`seq > ${bind(decodeCursor(cursor))}`);
      const rows = await query<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM inbox_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY seq LIMIT ${bind(limit + 1)}`,
        params,
      );
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        events: page.map(toStoredEvent),
        nextCursor: rows.length > limit && last ? encodeCursor(Number(last.seq)) : null,
      };
    },

    async ping() {
      if (closed) throw new Error('inbox store is closed');
      await pool.query('SELECT 1');
    },

    async feedEvents(feedOptions) {
      ready();
      return feed.feedEvents(feedOptions);
    },

    async feedPosition(from) {
      ready();
      return feed.feedPosition(from);
    },

    async deleteExpired(policy) {
      ready();
      return retention.deleteExpired(policy);
    },

    async withRetentionLock(pass) {
      ready();
      return retention.withRetentionLock(pass);
    },

    async close() {
      if (closed) return;
      closed = true;
      // writes already accepted still get their answer before the connections go
      await Promise.all([inserts.drain(), completions.drain()]);
      await pool.end();
    },
  };
}

/**
 * 40P01 deadlock, 40001 serialization failure: the transaction was rolled back only for meeting
 * another one, so running it again succeeds (an insert batch runs again only its keys that were rolled
 * back). completions lock their rows in id order and upserts in dedupe-key order, so a batch of each
 * over the same rows can deadlock; postgres fails one of the two
 */
function lostToAnotherTransaction(error: unknown): boolean {
  return error instanceof DatabaseError && (error.code === '40P01' || error.code === '40001');
}

/** 22: data exception (a value the column cannot hold, e.g. 22021, 22P05) */
function isDataError(error: unknown): error is DatabaseError {
  return error instanceof DatabaseError && (error.code?.startsWith('22') ?? false);
}

/**
 * refused over one row's values, so each row is retried alone and only that one fails. 23: integrity,
 * 54: a program limit (an index row too large). anything else (timeouts, lock waits, shutdown, out of
 * resources, a lost connection) is the database's state, and retrying row by row would only repeat it
 */
function refusedByServer(error: unknown): boolean {
  if (isDataError(error)) return true;
  if (!(error instanceof DatabaseError)) return false;
  return (error.code?.startsWith('23') ?? false) || (error.code?.startsWith('54') ?? false);
}

function toListedEvent(row: SummaryRow): ListedEvent {
  return {
    id: row.id,
    type: row.type,
    dedupeKey: row.dedupe_key,
    status: row.status,
    deliveryCount: row.delivery_count,
    receivedAt: row.received_at.toISOString(),
    processedAt: row.processed_at ? row.processed_at.toISOString() : null,
    handlerAttempts: row.handler_attempts,
    lastError: row.last_error,
    ...(row.issues === undefined
      ? {}
      : { issues: row.issues === null ? null : (JSON.parse(row.issues) as InboxIssue[]) }),
  };
}

function toStoredEvent(row: EventRow): StoredEvent {
  const event = toListedEvent({ ...row, issues: row.issues ?? null });
  return { ...event, issues: event.issues ?? null, payload: row.payload };
}
