import type { SqliteDatabase } from '@omni-webhooks/sqlite';
import {
  DRIFT_COLUMNS,
  type DriftListOptions,
  type DriftObservation,
  type DriftRecord,
} from './drift-records.js';
import { storedDriftPath, storedLabel, storedType } from './storable-text.js';

interface DriftRow {
  event: string;
  path: string;
  kind: DriftRecord['kind'];
  expected: string | null;
  seen: string;
  example: string;
  count: number;
  first_seen: string;
  last_seen: string;
}

/** the drift rows of a sqlite inbox; statements prepared once the table exists */
export function prepareSqliteDriftRecords(db: SqliteDatabase) {
  const exists = db.prepare<[string, string, string], { found: number }>(
    'SELECT 1 AS found FROM schema_drift WHERE event = ? AND path = ? AND kind = ?',
  );
  const upsert = db.prepare<[string, string, string, string | null, string, string, number, string, string]>(
    `INSERT INTO schema_drift (${DRIFT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (event, path, kind) DO UPDATE SET count = count + excluded.count,
       first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)`,
  );
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM schema_drift');

  return {
    /** runs inside the caller's write transaction */
    record(observations: readonly DriftObservation[]): DriftObservation[] {
      const created: DriftObservation[] = [];
      for (const drift of observations) {
        const event = storedType(drift.event);
        const path = storedDriftPath(drift.path);
        if (!exists.get(event, path, drift.kind)) created.push(drift);
        upsert.run(
          event,
          path,
          drift.kind,
          drift.expected === undefined ? null : storedLabel(drift.expected),
          storedLabel(drift.seen),
          JSON.stringify(drift.example),
          drift.count,
          drift.firstSeen.toISOString(),
          drift.lastSeen.toISOString(),
        );
      }
      return created;
    },

    list({ type, kind, limit }: DriftListOptions): DriftRecord[] {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (type !== undefined) {
        where.push('event = ?');
        params.push(storedType(type));
      }
      if (kind !== undefined) {
        where.push('kind = ?');
        params.push(kind);
      }
      const rows = db
        .prepare<(string | number)[], DriftRow>(
          `SELECT ${DRIFT_COLUMNS} FROM schema_drift ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
           ORDER BY last_seen DESC, event, path, kind LIMIT ?`,
        )
        .all(...params, limit);
      return rows.map((row) => ({
        event: row.event,
        path: row.path,
        kind: row.kind,
        expected: row.expected,
        seen: row.seen,
        example: JSON.parse(row.example) as DriftRecord['example'],
        count: row.count,
        firstSeen: row.first_seen,
        lastSeen: row.last_seen,
      }));
    },

    count(): number {
      return count.get()?.n ?? 0;
    },
  };
}
