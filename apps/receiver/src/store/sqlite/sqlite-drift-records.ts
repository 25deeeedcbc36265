import type { SqliteDatabase } from '@omni-webhooks/sqlite';
import {
  type DriftListOptions,
  type DriftObservation,
  type DriftRecord,
  type DriftRow,
  toDriftRecord,
} from '../drift-records.js';
import { storedDriftPath, storedLabel, storedType } from '../storable-text.js';
import { allRows, type SqliteStatements, sqliteQueries } from './sqlite-statements.js';

/** the drift rows of a sqlite inbox */
export function sqliteDriftRecords(db: SqliteDatabase, statements: SqliteStatements) {
  return {
    /** runs inside the caller's write transaction */
    record(observations: readonly DriftObservation[]): DriftObservation[] {
      const created: DriftObservation[] = [];
      for (const drift of observations) {
        const event = storedType(drift.event);
        const path = storedDriftPath(drift.path);
        if (!statements.driftExists.get(event, path, drift.kind)) created.push(drift);
        statements.driftUpsert.run(
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

    list(options: DriftListOptions): DriftRecord[] {
      return allRows<DriftRow>(db, sqliteQueries.listDrift(options)).map(toDriftRecord);
    },

    count(): number {
      return statements.driftCount.get()?.n ?? 0;
    },
  };
}
