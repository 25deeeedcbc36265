import type { SqliteDatabase } from '@omni-webhooks/sqlite';
import { DRIFT_COLUMNS } from '../drift-records.js';
import { type ClaimRow, type EventRow, SUMMARY_COLUMNS } from '../event-rows.js';
import { inboxQueries } from '../inbox-queries.js';
import type { InboxStatus } from '../inbox-store.js';
import type { BoundQuery } from '../keyset-page.js';

// every statement of the sqlite inbox, in one place: times are iso text, retry and lease times
// integer milliseconds

const EVENT_COLUMNS = `${SUMMARY_COLUMNS}, issues, payload`;

/** a row as the stream feed reads it */
export interface FeedRow {
  seq: number;
  id: string;
  type: string;
  status: string;
  received_at: string;
  payload: string;
  delivery_headers: string | null;
}

/**
 * the completions of a group commit at once: a json list of [id, lease token, processed at]. `+status`
 * keeps the status index out of the plan, which would visit every received row for each completion
 * rather than look each id up
 */
export const COMPLETE_ALL_SQL = `UPDATE inbox_events
  SET status = 'processed', processed_at = done.at, lease_token = NULL, lease_until = NULL
  FROM (SELECT value ->> 0 AS id, value ->> 1 AS token, value ->> 2 AS at FROM json_each(?)) AS done
  WHERE inbox_events.id = done.id AND inbox_events.lease_token = done.token
    AND +inbox_events.status = 'received'
  RETURNING inbox_events.id AS id`;

const INSERT_SQL = `INSERT INTO inbox_events (id, dedupe_key, active_dedupe_key, type, status, payload, issues,
    received_at, last_delivery_at, available_at, lease_token, lease_until, handler_attempts, body_hash,
    delivery_headers)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** a new row's values, in INSERT_SQL's order */
export type InsertValues = [
  id: string,
  dedupeKey: string,
  activeDedupeKey: string,
  type: string,
  status: string,
  payload: string,
  issues: string | null,
  receivedAt: string,
  lastDeliveryAt: string,
  availableAt: number,
  leaseToken: string | null,
  leaseUntil: number | null,
  handlerAttempts: number,
  bodyHash: string | null,
  deliveryHeaders: string | null,
];

/** the inbox's statements, prepared once the tables exist (after migration) */
export function prepareSqliteStatements(db: SqliteDatabase) {
  return {
    upsert: db.prepare<
      InsertValues,
      { id: string; delivery_count: number; status: InboxStatus; lease_token: string | null }
    >(
      `${INSERT_SQL}
       ON CONFLICT (active_dedupe_key) DO UPDATE SET
         delivery_count = delivery_count + 1, last_delivery_at = excluded.last_delivery_at
       RETURNING id, delivery_count, status, lease_token`,
    ),
    // a key and a body nothing holds (keyOrBodyHeld found no row)
    insert: db.prepare<InsertValues>(INSERT_SQL),
    // any row holding the key, or one received since the cutoff with the body (by hash) and a key
    keyOrBodyHeld: db.prepare<[string, string], { held: number }>(
      `SELECT 1 AS held FROM inbox_events WHERE active_dedupe_key = ?1
       UNION ALL
       SELECT 1 FROM inbox_events WHERE body_hash = ?1 AND received_at >= ?2 AND active_dedupe_key IS NOT NULL
       LIMIT 1`,
    ),
    // the newest row received since the cutoff with the body: by its body_hash, or, for a row keyed by
    // its own body hash (which keeps no body_hash), by its active key
    keyOfBody: db.prepare<[string, string], { active_dedupe_key: string }>(
      `SELECT active_dedupe_key FROM (
         SELECT seq, active_dedupe_key, received_at FROM inbox_events
         WHERE active_dedupe_key = ?1 AND body_hash IS NULL
         UNION ALL
         SELECT seq, active_dedupe_key, received_at FROM inbox_events
         WHERE body_hash = ?1 AND active_dedupe_key IS NOT NULL
       ) WHERE received_at >= ?2 ORDER BY seq DESC LIMIT 1`,
    ),
    retireKey: db.prepare<[string, string]>(
      'UPDATE inbox_events SET active_dedupe_key = NULL WHERE active_dedupe_key = ? AND received_at < ?',
    ),
    promote: db.prepare<[number, string, string, string]>(
      `UPDATE inbox_events SET status = 'received', issues = NULL, available_at = ?, type = ?, payload = ?
       WHERE active_dedupe_key = ? AND status = 'rejected'`,
    ),
    requeue: db.prepare<[number, string], EventRow>(
      `UPDATE inbox_events SET status = 'received', issues = NULL, available_at = ?, processed_at = NULL,
         lease_token = NULL, lease_until = NULL,
         handler_attempts = CASE WHEN status = 'failed' THEN 0 ELSE handler_attempts END
       WHERE id = ? AND status IN ('rejected', 'failed')
       RETURNING ${EVENT_COLUMNS}`,
    ),
    exhaust: db.prepare<[string, string, number, number, number, number], ClaimRow>(
      `UPDATE inbox_events SET status = 'failed', last_error = ? || ' ' || handler_attempts, processed_at = ?,
         lease_token = NULL, lease_until = NULL
       WHERE seq IN (
         SELECT seq FROM inbox_events
         WHERE status = 'received' AND available_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
         ORDER BY seq LIMIT ?
       ) AND handler_attempts >= ?
       RETURNING seq, id, type, payload, handler_attempts`,
    ),
    claim: db.prepare<[string, number, number, number, number], ClaimRow & { lease_token: string }>(
      `UPDATE inbox_events SET lease_token = ?, lease_until = ?, handler_attempts = handler_attempts + 1
       WHERE seq IN (
         SELECT seq FROM inbox_events
         WHERE status = 'received' AND available_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
         ORDER BY seq LIMIT ?
       )
       RETURNING seq, id, type, payload, handler_attempts, lease_token`,
    ),
    complete: db.prepare<[string, string, string]>(
      `UPDATE inbox_events SET status = 'processed', processed_at = ?, lease_token = NULL, lease_until = NULL
       WHERE id = ? AND lease_token = ? AND status = 'received'`,
    ),
    completeAll: db.prepare<[string], { id: string }>(COMPLETE_ALL_SQL),
    retry: db.prepare<[string, number, string, string]>(
      `UPDATE inbox_events SET last_error = ?, available_at = ?, lease_token = NULL, lease_until = NULL
       WHERE id = ? AND lease_token = ? AND status = 'received'`,
    ),
    giveUp: db.prepare<[string, string, string, string]>(
      `UPDATE inbox_events SET status = 'failed', last_error = ?, processed_at = ?, lease_token = NULL, lease_until = NULL
       WHERE id = ? AND lease_token = ? AND status = 'received'`,
    ),
    renew: db.prepare<[number, string, string]>(
      `UPDATE inbox_events SET lease_until = ? WHERE id = ? AND lease_token = ? AND status = 'received'`,
    ),
    releaseLeases: db.prepare<[]>(
      'UPDATE inbox_events SET lease_token = NULL, lease_until = NULL WHERE lease_token IS NOT NULL',
    ),
    get: db.prepare<[string], EventRow>(`SELECT ${EVENT_COLUMNS} FROM inbox_events WHERE id = ?`),
    countByStatus: db.prepare<[], { status: InboxStatus; n: number }>(
      'SELECT status, COUNT(*) AS n FROM inbox_events GROUP BY status',
    ),
    ping: db.prepare<[], { ok: number }>('SELECT 1 AS ok'),
    driftExists: db.prepare<[string, string, string], { found: number }>(
      'SELECT 1 AS found FROM schema_drift WHERE event = ? AND path = ? AND kind = ?',
    ),
    driftUpsert: db.prepare<[string, string, string, string | null, string, string, number, string, string]>(
      `INSERT INTO schema_drift (${DRIFT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (event, path, kind) DO UPDATE SET count = count + excluded.count,
         first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)`,
    ),
    driftCount: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM schema_drift'),
    // GET /events/stream: one writer, whose transactions commit in seq order, so seq alone is the order
    feedPage: db.prepare<[number, number], FeedRow>(
      `SELECT seq, id, type, status, received_at, payload, delivery_headers FROM inbox_events
       WHERE seq > ? ORDER BY seq LIMIT ?`,
    ),
    feedSeqOf: db.prepare<[string], { seq: number }>('SELECT seq FROM inbox_events WHERE id = ?'),
    feedFirstSince: db.prepare<[string], { seq: number }>(
      'SELECT seq FROM inbox_events WHERE received_at >= ? ORDER BY received_at, seq LIMIT 1',
    ),
    feedLast: db.prepare<[], { seq: number | null }>('SELECT max(seq) AS seq FROM inbox_events'),
    // retention, oldest first by the received_at index (named: the planner would rather take the status
    // index and sort every processed row for each batch)
    deleteExpired: db.prepare<[string, string, string, string, number]>(
      `DELETE FROM inbox_events WHERE seq IN (
         SELECT seq FROM inbox_events INDEXED BY inbox_events_by_received_at
         WHERE received_at < ? AND status IN (?, ?, ?)
         ORDER BY received_at LIMIT ?)`,
    ),
  };
}

export type SqliteStatements = ReturnType<typeof prepareSqliteStatements>;

/** runs a query built per call (its filters vary) */
export function allRows<Row>(db: SqliteDatabase, { sql, params }: BoundQuery): Row[] {
  return db.prepare<unknown[], Row>(sql).all(...params);
}

/** the list, export and drift queries, built per call */
export const sqliteQueries = inboxQueries({
  placeholder: () => '?',
  summaryColumns: SUMMARY_COLUMNS,
  eventColumns: EVENT_COLUMNS,
  time: (time) => time.toISOString(),
});
