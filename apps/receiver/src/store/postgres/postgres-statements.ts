import { DRIFT_COLUMNS } from '../drift-records.js';
import { SUMMARY_COLUMNS } from '../event-rows.js';
import { inboxQueries } from '../inbox-queries.js';

// every statement of the postgres inbox, in one place (as pg-boss keeps its plans): several rows go
// in one statement as parallel arrays, so postgres plans each statement once whatever the batch size

// issues_json since migration 3; the jsonb column for rows a replica of the version before wrote
export const EVENT_COLUMNS = `${SUMMARY_COLUMNS}, COALESCE(issues_json, issues::text) AS issues, payload`;

// completions of one worker's batch land together: one statement marks them all, each row taking its
// lease token and time from its id's position in the arrays. a lease token only ever sits on a
// received event (claims set it, every status change clears it), so matching it is the status check;
// naming `status` as well would steer the planner to the claim index and a scan of the whole backlog.
export const COMPLETE_SQL = `UPDATE inbox_events AS e
  SET status = 'processed', processed_at = ($3::timestamptz[])[array_position($1::uuid[], e.id)],
    lease_token = NULL, lease_until = NULL
  WHERE e.id = ANY ($1::uuid[]) AND e.lease_token = ($2::uuid[])[array_position($1::uuid[], e.id)]
  RETURNING e.id`;

// without `now`, leases use the database's clock: every replica then agrees on when one expires.
// a due event that already had every attempt never finished its last one: it is failed, not claimed,
// and returned without a lease token. the row lock (SKIP LOCKED) makes this claim the only one to fail it
export const CLAIM_SQL = `WITH clock AS (SELECT COALESCE($1::timestamptz, now()) AS at),
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

// the common case in one round trip, outside any explicit transaction: a new key is inserted, a
// delivery of a stored key counted, unless the stored row needs what the slow path does (it is older
// than the key's window, or rejected while this delivery passed the schema). such a row is locked when
// ON CONFLICT meets it, so the condition is checked on its latest version, and it is left untouched and
// not returned: its keys go through the slow path, which checks again under its own locks. a new row
// given a lease token ($13) is leased to the inserting replica for $14 ms on the database's clock (its
// first attempt, no claim needed); a counted delivery keeps the stored row's lease, so a returned token
// equal to the one sent means this statement inserted the row
export const FAST_UPSERT_SQL = `WITH batch AS (
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::integer[],
      $8::timestamptz[], $9::timestamptz[], $10::text[], $11::text[], $12::timestamptz[], $13::uuid[],
      $14::integer[])
      AS b (id, dedupe_key, type, status, payload, issues, delivery_count, received_at, last_delivery_at,
        body_hash, delivery_headers, cutoff, lease_token, lease_ms)
  )
  INSERT INTO inbox_events AS e
    (id, dedupe_key, active_dedupe_key, type, status, payload, issues_json, delivery_count, received_at,
      last_delivery_at, available_at, body_hash, delivery_headers, lease_token, lease_until, handler_attempts)
  SELECT id, dedupe_key, dedupe_key, type, status, payload, issues, delivery_count, received_at,
    last_delivery_at, received_at, body_hash, delivery_headers, lease_token,
    now() + lease_ms * interval '1 millisecond', CASE WHEN lease_token IS NULL THEN 0 ELSE 1 END
  FROM batch
  ORDER BY dedupe_key
  ON CONFLICT (active_dedupe_key) DO UPDATE SET
    delivery_count = e.delivery_count + EXCLUDED.delivery_count,
    last_delivery_at = GREATEST(e.last_delivery_at, EXCLUDED.last_delivery_at)
  WHERE NOT (e.status = 'rejected' AND EXCLUDED.status = 'received')
    AND e.received_at >= COALESCE(
      (SELECT b.cutoff FROM batch AS b WHERE b.dedupe_key = EXCLUDED.dedupe_key), '-infinity'::timestamptz)
  RETURNING e.id, e.dedupe_key, e.delivery_count, e.status, e.lease_token`;

// the transaction's upsert, after retirement and promotion made every row it meets one to count on.
// one statement for any number of rows (arrays, not a placeholder per value), so postgres plans it
// once. a key present k times in a batch is one row counting k deliveries, since ON CONFLICT cannot
// touch a row twice in one statement.
export const UPSERT_SQL = `INSERT INTO inbox_events AS e
    (id, dedupe_key, active_dedupe_key, type, status, payload, issues_json, delivery_count, received_at,
      last_delivery_at, available_at, body_hash, delivery_headers)
  SELECT id, dedupe_key, dedupe_key, type, status, payload, issues, delivery_count, received_at,
    last_delivery_at, received_at, body_hash, delivery_headers
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::integer[],
    $8::timestamptz[], $9::timestamptz[], $10::text[], $11::text[])
    AS batch (id, dedupe_key, type, status, payload, issues, delivery_count, received_at, last_delivery_at,
      body_hash, delivery_headers)
  ORDER BY dedupe_key
  ON CONFLICT (active_dedupe_key) DO UPDATE SET
    delivery_count = e.delivery_count + EXCLUDED.delivery_count,
    last_delivery_at = GREATEST(e.last_delivery_at, EXCLUDED.last_delivery_at)
  RETURNING e.id, e.dedupe_key, e.delivery_count, e.status`;

// the transaction's first statement: the row of every key it goes on to retire, promote or count, locked
// in key order, the order in which the fast statement (ORDER BY dedupe_key) and every other transaction
// take them. each side then holds only keys below the one it waits for, so fast statements and these
// transactions wait on one another but never in a cycle. what can still meet one head-on: a completion
// batch (it locks in id order), and a row that is not there for this statement to lock (another replica
// retired the key and committed the new row while this waited), which the upsert locks later. postgres
// then fails one side (40P01) and the batcher runs the failed part again, which repeats no committed work
export const LOCK_SQL = `SELECT 1 FROM inbox_events WHERE active_dedupe_key = ANY ($1::text[])
  ORDER BY active_dedupe_key
  FOR UPDATE`;

// a valid delivery of a key stored as rejected (the schema was fixed since) makes the row received and
// claimable again. its row is locked already; one another replica promoted before this locked it is no
// longer rejected, and is skipped
export const PROMOTE_SQL = `WITH target AS (
    SELECT e.seq, b.type, b.payload, b.received_at
    FROM inbox_events AS e
    JOIN unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS b (dedupe_key, type, payload, received_at)
      ON e.active_dedupe_key = b.dedupe_key
    WHERE e.status = 'rejected'
    ORDER BY e.active_dedupe_key
    FOR UPDATE OF e
  )
  UPDATE inbox_events AS e
  SET status = 'received', issues = NULL, issues_json = NULL, available_at = target.received_at, type = target.type,
    payload = target.payload
  FROM target
  WHERE e.seq = target.seq
  RETURNING e.dedupe_key`;

// a row older than its key's window is another event that happened to have the same body: its key is
// retired (active key null) so the upsert stores a new row. its row is locked already; one another
// replica retired before this locked it no longer matches, and is skipped, so concurrent deliveries
// after the window still make one new row
export const RETIRE_SQL = `WITH target AS (
    SELECT e.seq
    FROM inbox_events AS e
    JOIN unnest($1::text[], $2::timestamptz[]) AS b (dedupe_key, cutoff) ON e.active_dedupe_key = b.dedupe_key
    WHERE e.received_at < b.cutoff
    ORDER BY e.active_dedupe_key
    FOR UPDATE OF e
  )
  UPDATE inbox_events AS e SET active_dedupe_key = NULL FROM target WHERE e.seq = target.seq`;

// the active key of the newest row holding each body hash within its window: a delivery of that body
// is a duplicate of it, whatever key it came with. two first deliveries of one body under different
// keys racing on two replicas can still make two rows; a replay comes after the original is stored
export const KEYS_OF_BODIES_SQL = `SELECT DISTINCT ON (b.body_hash) b.body_hash, e.active_dedupe_key
  FROM unnest($1::text[], $2::timestamptz[]) AS b (body_hash, cutoff)
  JOIN inbox_events AS e
    ON e.body_hash = b.body_hash AND e.received_at >= b.cutoff AND e.active_dedupe_key IS NOT NULL
  ORDER BY b.body_hash, e.seq DESC`;

// one statement for a flush: rows arrive as parallel arrays; `xmax = 0` marks a row this statement
// inserted rather than updated, so of two replicas flushing the same new drift only one hears it is new
export const RECORD_DRIFT_SQL = `INSERT INTO schema_drift AS d (${DRIFT_COLUMNS})
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[],
    $8::timestamptz[], $9::timestamptz[])
  ON CONFLICT (event, path, kind) DO UPDATE SET count = d.count + excluded.count,
    first_seen = LEAST(d.first_seen, excluded.first_seen), last_seen = GREATEST(d.last_seen, excluded.last_seen)
  RETURNING event, path, kind, (xmax = 0) AS created`;

// on the database clock unless told otherwise (null), like the claim that set it
export const RENEW_SQL = `UPDATE inbox_events SET lease_until = COALESCE($3::timestamptz, now()) + $4::integer * interval '1 millisecond'
  WHERE id = $1 AND lease_token = $2`;

export const RETRY_SQL = `UPDATE inbox_events SET last_error = $1, available_at = $2, lease_token = NULL, lease_until = NULL
  WHERE id = $3 AND lease_token = $4 AND status = 'received'`;

export const GIVE_UP_SQL = `UPDATE inbox_events SET status = 'failed', last_error = $1, processed_at = $2, lease_token = NULL,
    lease_until = NULL
  WHERE id = $3 AND lease_token = $4 AND status = 'received'`;

export const REQUEUE_SQL = `UPDATE inbox_events SET status = 'received', issues = NULL, issues_json = NULL, available_at = COALESCE($2::timestamptz, now()),
    processed_at = NULL, lease_token = NULL, lease_until = NULL,
    handler_attempts = CASE WHEN status = 'failed' THEN 0 ELSE handler_attempts END
  WHERE id = $1 AND status IN ('rejected', 'failed')
  RETURNING ${EVENT_COLUMNS}`;

export const GET_SQL = `SELECT ${EVENT_COLUMNS} FROM inbox_events WHERE id = $1`;

export const COUNT_BY_STATUS_SQL = 'SELECT status, count(*)::integer AS n FROM inbox_events GROUP BY status';

export const COUNT_DRIFT_SQL = 'SELECT count(*)::integer AS n FROM schema_drift';

export const PING_SQL = 'SELECT 1';

// GET /events/stream: replicas and concurrent batches commit out of seq order, so the stream order is
// (inserting transaction, seq), and a page reads only rows of transactions older than every one still
// running: no row can later appear before a position handed out (see migration 6)
const FEED_ORDER = `COALESCE(stream_xid, '0'::xid8)`;

export const FEED_PAGE_SQL = `SELECT seq, ${FEED_ORDER}::text AS xid, id, type, status, received_at, payload,
    delivery_headers
  FROM inbox_events
  WHERE (${FEED_ORDER}, seq) > ($1::text::xid8, $2::bigint)
    AND ${FEED_ORDER} < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY ${FEED_ORDER}, seq
  LIMIT $3`;

// the end: the newest row no running transaction can still get ahead of
export const FEED_END_SQL = `SELECT seq, ${FEED_ORDER}::text AS xid FROM inbox_events
  WHERE ${FEED_ORDER} < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY ${FEED_ORDER} DESC, seq DESC LIMIT 1`;

export const FEED_POSITION_OF_EVENT_SQL = `SELECT seq, ${FEED_ORDER}::text AS xid FROM inbox_events WHERE id = $1`;

// just before the first row received since a time
export const FEED_POSITION_SINCE_SQL = `SELECT seq - 1 AS seq, ${FEED_ORDER}::text AS xid FROM inbox_events
  WHERE received_at >= $1
  ORDER BY received_at, seq LIMIT 1`;

// retention: a batch is one statement, oldest first; rows locked by a worker (SKIP LOCKED) wait for the
// next pass
export const DELETE_EXPIRED_SQL = `DELETE FROM inbox_events WHERE seq IN (
    SELECT seq FROM inbox_events WHERE received_at < $1 AND status = ANY ($2::text[])
    ORDER BY received_at LIMIT $3
    FOR UPDATE SKIP LOCKED)`;

export const TRY_ADVISORY_LOCK_SQL = 'SELECT pg_try_advisory_lock($1::bigint) AS locked';

export const ADVISORY_UNLOCK_SQL = 'SELECT pg_advisory_unlock($1::bigint)';

/** the list, export and drift queries, built per call */
export const postgresQueries = inboxQueries({
  placeholder: (position) => `$${position}`,
  summaryColumns: SUMMARY_COLUMNS,
  eventColumns: EVENT_COLUMNS,
  time: (time) => time,
});
