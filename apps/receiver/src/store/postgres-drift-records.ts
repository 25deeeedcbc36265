import type { Pool } from 'pg';
import {
  DRIFT_COLUMNS,
  type DriftListOptions,
  type DriftObservation,
  type DriftRecord,
  driftKey,
} from './drift-records.js';
import { storedDriftPath, storedLabel, storedType } from './storable-text.js';

interface DriftRow {
  event: string;
  path: string;
  kind: DriftRecord['kind'];
  expected: string | null;
  seen: string;
  example: string;
  count: string;
  first_seen: Date;
  last_seen: Date;
  created?: boolean;
}

// one statement for a flush: rows arrive as parallel arrays; `xmax = 0` marks a row this statement
// inserted rather than updated, so of two replicas flushing the same new drift only one hears it is new
const RECORD_SQL = `INSERT INTO schema_drift AS d (${DRIFT_COLUMNS})
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[],
    $8::timestamptz[], $9::timestamptz[])
  ON CONFLICT (event, path, kind) DO UPDATE SET count = d.count + excluded.count,
    first_seen = LEAST(d.first_seen, excluded.first_seen), last_seen = GREATEST(d.last_seen, excluded.last_seen)
  RETURNING event, path, kind, (xmax = 0) AS created`;

/** the drift rows of a postgres inbox, shared by every replica on the database */
export function postgresDriftRecords(pool: Pool) {
  return {
    async record(observations: readonly DriftObservation[]): Promise<DriftObservation[]> {
      if (observations.length === 0) return [];
      // one row per key (a statement cannot update a row twice), sorted, so two flushes lock shared
      // rows in the same order
      const byKey = new Map<string, { drift: DriftObservation; event: string; path: string }>();
      for (const drift of observations) {
        const event = storedType(drift.event);
        const path = storedDriftPath(drift.path);
        const key = driftKey({ event, path, kind: drift.kind });
        const earlier = byKey.get(key)?.drift;
        byKey.set(key, {
          event,
          path,
          drift: earlier
            ? {
                ...earlier,
                count: earlier.count + drift.count,
                firstSeen: new Date(Math.min(earlier.firstSeen.getTime(), drift.firstSeen.getTime())),
                lastSeen: new Date(Math.max(earlier.lastSeen.getTime(), drift.lastSeen.getTime())),
              }
            : drift,
        });
      }
      const stored = [...byKey.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, row]) => row);
      const { rows } = await pool.query<Pick<DriftRow, 'event' | 'path' | 'kind' | 'created'>>(RECORD_SQL, [
        stored.map((row) => row.event),
        stored.map((row) => row.path),
        stored.map((row) => row.drift.kind),
        stored.map((row) => (row.drift.expected === undefined ? null : storedLabel(row.drift.expected))),
        stored.map((row) => storedLabel(row.drift.seen)),
        stored.map((row) => JSON.stringify(row.drift.example)),
        stored.map((row) => row.drift.count),
        stored.map((row) => row.drift.firstSeen),
        stored.map((row) => row.drift.lastSeen),
      ]);
      const created = new Set(rows.filter((row) => row.created).map(driftKey));
      return stored
        .filter((row) => created.has(driftKey({ event: row.event, path: row.path, kind: row.drift.kind })))
        .map((row) => row.drift);
    },

    async list({ type, kind, limit }: DriftListOptions): Promise<DriftRecord[]> {
      const where: string[] = [];
      const params: (string | number)[] = [];
      const bind = (value: string | number) => {
        params.push(value);
        return `$${params.length}`;
      };
      if (type !== undefined) where.push(`event = ${bind(storedType(type))}`);
      if (kind !== undefined) where.push(`kind = ${bind(kind)}`);
      const { rows } = await pool.query<DriftRow>(
        `SELECT ${DRIFT_COLUMNS} FROM schema_drift ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY last_seen DESC, event, path, kind LIMIT ${bind(limit)}`,
        params,
      );
      return rows.map((row) => ({
        event: row.event,
        path: row.path,
        kind: row.kind,
        expected: row.expected,
        seen: row.seen,
        example: JSON.parse(row.example) as DriftRecord['example'],
        count: Number(row.count),
        firstSeen: row.first_seen.toISOString(),
        lastSeen: row.last_seen.toISOString(),
      }));
    },

    async count(): Promise<number> {
      const { rows } = await pool.query<{ n: number }>('SELECT count(*)::integer AS n FROM schema_drift');
      return rows[0]?.n ?? 0;
    },
  };
}
