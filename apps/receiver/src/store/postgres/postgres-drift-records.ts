import type { Pool } from 'pg';
import {
  type DriftListOptions,
  type DriftObservation,
  type DriftRecord,
  type DriftRow,
  driftKey,
  toDriftRecord,
} from '../drift-records.js';
import { storedDriftPath, storedLabel, storedType } from '../storable-text.js';
import { COUNT_DRIFT_SQL, postgresQueries, RECORD_DRIFT_SQL } from './postgres-statements.js';

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
      const { rows } = await pool.query<Pick<DriftRow, 'event' | 'path' | 'kind'> & { created: boolean }>(
        RECORD_DRIFT_SQL,
        [
          stored.map((row) => row.event),
          stored.map((row) => row.path),
          stored.map((row) => row.drift.kind),
          stored.map((row) => (row.drift.expected === undefined ? null : storedLabel(row.drift.expected))),
          stored.map((row) => storedLabel(row.drift.seen)),
          stored.map((row) => JSON.stringify(row.drift.example)),
          stored.map((row) => row.drift.count),
          stored.map((row) => row.drift.firstSeen),
          stored.map((row) => row.drift.lastSeen),
        ],
      );
      const created = new Set(rows.filter((row) => row.created).map(driftKey));
      return stored
        .filter((row) => created.has(driftKey({ event: row.event, path: row.path, kind: row.drift.kind })))
        .map((row) => row.drift);
    },

    async list(options: DriftListOptions): Promise<DriftRecord[]> {
      const { sql, params } = postgresQueries.listDrift(options);
      const { rows } = await pool.query<DriftRow>(sql, params);
      return rows.map(toDriftRecord);
    },

    async count(): Promise<number> {
      const { rows } = await pool.query<{ n: number }>(COUNT_DRIFT_SQL);
      return rows[0]?.n ?? 0;
    },
  };
}
