import type { ClientBase } from 'pg';

// each entry moves the schema one version up; applied versions are rows of MIGRATIONS_TABLE
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `CREATE TABLE inbox_events (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    dedupe_key text NOT NULL UNIQUE,
    type text NOT NULL,
    status text NOT NULL CHECK (status IN ('received', 'processed', 'failed', 'rejected', 'ignored')),
    payload text NOT NULL,
    issues jsonb,
    delivery_count integer NOT NULL DEFAULT 1,
    received_at timestamptz NOT NULL,
    last_delivery_at timestamptz NOT NULL,
    processed_at timestamptz,
    handler_attempts integer NOT NULL DEFAULT 0,
    last_error text,
    available_at timestamptz NOT NULL,
    lease_token uuid,
    lease_until timestamptz
  );
  CREATE INDEX inbox_events_claimable ON inbox_events (seq) WHERE status = 'received';
  CREATE INDEX inbox_events_by_type ON inbox_events (type, seq);
  CREATE INDEX inbox_events_by_status ON inbox_events (status, seq);
  -- a queue table: every event is updated twice (claimed, then processed), so vacuum and analyze
  -- early, before dead entries pile up in the claim index and the planner misjudges the backlog
  ALTER TABLE inbox_events SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);`,
  // 2: a body-hash key dedupes only within a window, so two rows may share dedupe_key; the unique
  // active_dedupe_key is the one deliveries match, set to null once a later event with the key arrives
  // after the window (nulls never conflict)
  `ALTER TABLE inbox_events ADD COLUMN active_dedupe_key text;
  UPDATE inbox_events SET active_dedupe_key = dedupe_key;
  ALTER TABLE inbox_events DROP CONSTRAINT inbox_events_dedupe_key_key;
  CREATE UNIQUE INDEX inbox_events_active_dedupe_key ON inbox_events (active_dedupe_key);`,
  // 3: issues as json text: jsonb refuses a \u0000 escape, which a schema issue naming a key of the
  // body may hold. a new column rather than a type change, so no table rewrite; old rows move over, and
  // reads fall back to the jsonb column for rows a replica of the previous version writes mid-rollout
  `ALTER TABLE inbox_events ADD COLUMN issues_json text;
  UPDATE inbox_events SET issues_json = issues::text, issues = NULL WHERE issues IS NOT NULL;`,
  // 4: every row keeps its body hash, so a delivery of the same body within the window is a duplicate
  // whatever key it came with (a signed capture replayed without its webhook-* headers)
  `ALTER TABLE inbox_events ADD COLUMN body_hash text;
  UPDATE inbox_events SET body_hash = dedupe_key WHERE dedupe_key LIKE 'sha256:%';
  CREATE INDEX inbox_events_by_body_hash ON inbox_events (body_hash, seq) WHERE body_hash IS NOT NULL;`,
  // 5: the drift radar, one row per (event type, path, kind) of what the strict schema would flag,
  // shared by the replicas: each adds its counts
  `CREATE TABLE schema_drift (
    event text NOT NULL,
    path text NOT NULL,
    kind text NOT NULL,
    expected text,
    seen text NOT NULL,
    example text NOT NULL,
    count bigint NOT NULL,
    first_seen timestamptz NOT NULL,
    last_seen timestamptz NOT NULL,
    PRIMARY KEY (event, path, kind)
  );
  CREATE INDEX schema_drift_by_last_seen ON schema_drift (last_seen);`,
];

// not `schema_migrations`: the inbox may share a database whose other tools already own that name
export const MIGRATIONS_TABLE = 'inbox_schema_migrations';

// one key for every replica of every version: whoever holds it migrates, the others wait, then find
// nothing left to do. an arbitrary constant ('omniwh' in ascii) so it will not collide by accident.
const MIGRATION_LOCK_KEY = 0x6f6d6e697768;

/** brings the schema up to date in one transaction, serialized across replicas by an advisory lock */
export async function migratePostgres(client: ClientBase): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
        version integer PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    );
    const { rows } = await client.query<{ version: number }>(
      `SELECT COALESCE(max(version), 0)::integer AS version FROM ${MIGRATIONS_TABLE}`,
    );
    const version = rows[0]?.version ?? 0;
    if (version > POSTGRES_MIGRATIONS.length) {
      throw new Error(
        `database schema version ${version} is newer than this receiver (${POSTGRES_MIGRATIONS.length})`,
      );
    }
    for (const [index, sql] of POSTGRES_MIGRATIONS.entries()) {
      if (index < version) continue;
      await client.query(sql);
      await client.query(`INSERT INTO ${MIGRATIONS_TABLE} (version) VALUES ($1)`, [index + 1]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
