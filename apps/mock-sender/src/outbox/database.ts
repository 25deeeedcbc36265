import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { openSqlite, type SqliteDatabase } from '@omni-webhooks/sqlite';
import { sqliteFilenameFromUrl } from '@omni-webhooks/sqlite/database-url';
import { migrate } from '@omni-webhooks/sqlite/migrate';

export type { SqliteDatabase };

// append-only: a migration, once released, never changes; user_version counts the applied ones
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE endpoints (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    secret TEXT,
    secret_header TEXT NOT NULL,
    events TEXT,
    sign INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE events (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    event_id TEXT NOT NULL REFERENCES events (id),
    endpoint_id TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT,
    secret_header TEXT NOT NULL,
    sign INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL CHECK (state IN ('pending', 'in_flight', 'succeeded', 'failed')),
    attempt_count INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    redelivery_of TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX deliveries_open ON deliveries (state) WHERE state IN ('pending', 'in_flight');
  CREATE INDEX deliveries_state_seq ON deliveries (state, seq);
  CREATE TABLE attempts (
    delivery_id TEXT NOT NULL REFERENCES deliveries (id),
    n INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    duration_ms INTEGER,
    status INTEGER,
    error TEXT,
    response_body TEXT,
    PRIMARY KEY (delivery_id, n)
  );
  `,
  // parked = 1: a pending delivery no run holds in memory; the due-queue wakes it at next_attempt_at
  `
  ALTER TABLE deliveries ADD COLUMN parked INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX deliveries_parked_due ON deliveries (parked, next_attempt_at, seq) WHERE state = 'pending';
  `,
  // one process at a time owns the outbox: its row, kept fresh by a heartbeat (see outbox-owner.ts)
  `
  CREATE TABLE outbox_owner (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    token TEXT NOT NULL,
    pid INTEGER NOT NULL,
    hostname TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL
  );
  `,
  // endpoint_id in the parked index: the due scan skips endpoints that have no room without a table lookup
  `
  DROP INDEX deliveries_parked_due;
  CREATE INDEX deliveries_parked_due ON deliveries (parked, next_attempt_at, seq, endpoint_id)
    WHERE state = 'pending';
  `,
  // the owner's start time as the os counts it (linux: /proc/<pid>/stat), so a reused pid is not the owner
  `
  ALTER TABLE outbox_owner ADD COLUMN process_start TEXT;
  `,
  // signing keys apart from the secret sent in clear; a delivery signed before then keeps its secret as key
  `
  ALTER TABLE endpoints ADD COLUMN signing_key TEXT;
  ALTER TABLE deliveries ADD COLUMN signing_key TEXT;
  UPDATE deliveries SET signing_key = secret WHERE sign = 1 AND secret IS NOT NULL;
  `,
  // a body once for every event and delivery that sends it (count: 100 of one payload is one row);
  // hash is the sha256 of the body (base64url), null on bodies moved here from earlier events
  `
  CREATE TABLE bodies (
    id INTEGER PRIMARY KEY,
    hash TEXT UNIQUE,
    body TEXT NOT NULL
  );
  ALTER TABLE events ADD COLUMN body_id INTEGER REFERENCES bodies (id);
  INSERT INTO bodies (id, body) SELECT rowid, body FROM events;
  UPDATE events SET body_id = rowid;
  ALTER TABLE events DROP COLUMN body;
  `,
  // documents behind the sender's own links (SENDER_PUBLIC_URL) until those expire, and the key
  // signing them when SENDER_DOCUMENT_KEY is unset (see src/documents/)
  `
  CREATE TABLE documents (
    id TEXT NOT NULL,
    filename TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (id, filename, mime_type, size)
  );
  CREATE INDEX documents_expiry ON documents (expires_at);
  CREATE TABLE document_signing_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  `,
  // scenario runs (src/scenarios/): the request a plan is rebuilt from on start, and which plan
  // entries went to which outbox delivery, so a resumed run neither skips nor repeats one
  `
  CREATE TABLE scenario_runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    scenario TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    request TEXT NOT NULL,
    start_at_ms INTEGER NOT NULL,
    run_start_ms INTEGER NOT NULL,
    planned INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'stopped', 'failed')),
    error TEXT,
    progress TEXT,
    summary TEXT,
    created_at INTEGER NOT NULL,
    finished_at INTEGER
  );
  CREATE INDEX scenario_runs_running ON scenario_runs (status) WHERE status = 'running';
  CREATE TABLE scenario_run_deliveries (
    run_id TEXT NOT NULL REFERENCES scenario_runs (id),
    plan_index INTEGER NOT NULL,
    delivery_id TEXT NOT NULL REFERENCES deliveries (id),
    state TEXT NOT NULL CHECK (state IN ('dispatched', 'succeeded', 'failed')),
    started_at_ms INTEGER NOT NULL,
    settle_order INTEGER,
    settled_at_ms INTEGER,
    PRIMARY KEY (run_id, plan_index)
  );
  `,
];

/** `file:./data/sender.sqlite` (resolved against the working directory), `file:///abs/x.sqlite` or `file::memory:` */
export function openDatabase(databaseUrl: string): SqliteDatabase {
  const path = sqliteFilenameFromUrl(databaseUrl);
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true });
  }
  const db = openSqlite(path);
  db.pragma('journal_mode = WAL');
  // normal in wal: a commit appends to the wal without an fsync (checkpoints still sync). it survives
  // a process kill (the os holds the write); a power cut or os crash may lose the last commits. fine
  // for an outbox, unlike the receiver's inbox: a lost attempt record means the delivery is sent
  // again, which receivers dedupe; a lost enqueue means a mock event is sent again by hand
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  try {
    migrate(db, MIGRATIONS, { owner: 'mock sender' });
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
