import type Database from 'better-sqlite3';

// each entry moves the schema one version up; the index + 1 is stored in `user_version`
const MIGRATIONS: readonly string[] = [
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
];

export function migrateSqlite(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true });
  const version = typeof current === 'number' ? current : 0;
  if (version > MIGRATIONS.length) {
    throw new Error(`database schema version ${version} is newer than this receiver (${MIGRATIONS.length})`);
  }
  db.transaction(() => {
    for (const [index, sql] of MIGRATIONS.entries()) {
      if (index < version) continue;
      db.exec(sql);
      db.pragma(`user_version = ${index + 1}`);
    }
  })();
}
