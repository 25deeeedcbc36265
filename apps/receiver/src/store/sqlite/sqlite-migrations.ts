import type { SqliteDatabase } from '@omni-webhooks/sqlite';
import { migrate } from '@omni-webhooks/sqlite/migrate';

// each entry moves the schema one version up; the index + 1 is stored in `user_version`
export const SQLITE_MIGRATIONS: readonly string[] = [
  `CREATE TABLE inbox_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    dedupe_key TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('received', 'processed', 'failed', 'rejected', 'ignored')),
    payload TEXT NOT NULL,
    issues TEXT,
    delivery_count INTEGER NOT NULL DEFAULT 1,
    received_at TEXT NOT NULL,
    last_delivery_at TEXT NOT NULL,
    processed_at TEXT,
    handler_attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    available_at INTEGER NOT NULL,
    lease_token TEXT,
    lease_until INTEGER
  );
  CREATE INDEX inbox_events_claimable ON inbox_events (available_at, seq) WHERE status = 'received';
  CREATE INDEX inbox_events_by_type ON inbox_events (type, seq);
  CREATE INDEX inbox_events_by_status ON inbox_events (status, seq);`,
  // 2: a body-hash key dedupes only within a window, so two rows may share dedupe_key; the unique
  // active_dedupe_key is the one deliveries match, set to null once a later event with the key arrives
  // after the window. sqlite cannot drop a column constraint: the table is rebuilt, seq values kept
  `CREATE TABLE inbox_events_v2 (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    dedupe_key TEXT NOT NULL,
    active_dedupe_key TEXT UNIQUE,
    type TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('received', 'processed', 'failed', 'rejected', 'ignored')),
    payload TEXT NOT NULL,
    issues TEXT,
    delivery_count INTEGER NOT NULL DEFAULT 1,
    received_at TEXT NOT NULL,
    last_delivery_at TEXT NOT NULL,
    processed_at TEXT,
    handler_attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    available_at INTEGER NOT NULL,
    lease_token TEXT,
    lease_until INTEGER
  );
  INSERT INTO inbox_events_v2 (seq, id, dedupe_key, active_dedupe_key, type, status, payload, issues,
    delivery_count, received_at, last_delivery_at, processed_at, handler_attempts, last_error, available_at,
    lease_token, lease_until)
  SELECT seq, id, dedupe_key, dedupe_key, type, status, payload, issues, delivery_count, received_at,
    last_delivery_at, processed_at, handler_attempts, last_error, available_at, lease_token, lease_until
  FROM inbox_events;
  DROP TABLE inbox_events;
  ALTER TABLE inbox_events_v2 RENAME TO inbox_events;
  CREATE INDEX inbox_events_claimable ON inbox_events (available_at, seq) WHERE status = 'received';
  CREATE INDEX inbox_events_by_type ON inbox_events (type, seq);
  CREATE INDEX inbox_events_by_status ON inbox_events (status, seq);`,
  // 3: every row keeps its body hash, so a delivery of the same body within the window is a duplicate
  // whatever key it came with (a signed capture replayed without its webhook-* headers)
  `ALTER TABLE inbox_events ADD COLUMN body_hash TEXT;
  UPDATE inbox_events SET body_hash = dedupe_key WHERE dedupe_key LIKE 'sha256:%';
  CREATE INDEX inbox_events_by_body_hash ON inbox_events (body_hash, seq) WHERE body_hash IS NOT NULL;`,
  // 4: the drift radar, one row per (event type, path, kind) of what the strict schema would flag
  `CREATE TABLE schema_drift (
    event TEXT NOT NULL,
    path TEXT NOT NULL,
    kind TEXT NOT NULL,
    expected TEXT,
    seen TEXT NOT NULL,
    example TEXT NOT NULL,
    count INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (event, path, kind)
  );
  CREATE INDEX schema_drift_by_last_seen ON schema_drift (last_seen);`,
];

export function migrateSqlite(db: SqliteDatabase): void {
  migrate(db, SQLITE_MIGRATIONS, { owner: 'receiver' });
}
