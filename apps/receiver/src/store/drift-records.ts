// the drift radar's rows: one per (event type, path, kind), aggregated across deliveries and replicas
import type { DriftRow as DriftWireRow } from '@omni-webhooks/contract';
import type { DriftExample, DriftKind } from '@omni-webhooks/schema';

/** what one process saw of one drift since its last flush */
export interface DriftObservation {
  event: string;
  path: string;
  kind: DriftKind;
  expected?: string;
  seen: string;
  example: DriftExample;
  count: number;
  firstSeen: Date;
  lastSeen: Date;
}

/** a stored row, as `GET /drift` answers it (the wire type is the contract's); stored rows always have both times */
export interface DriftRecord extends DriftWireRow {
  firstSeen: string;
  lastSeen: string;
}

export interface DriftListOptions {
  type?: string;
  kind?: DriftKind;
  limit: number;
}

/** `GET /events/export`: events oldest first, so a replay keeps their order */
export interface ExportOptions {
  type?: string;
  /** events received at or after this time */
  since?: Date;
  /** opaque, from the previous page */
  cursor?: string;
  limit: number;
}

/** the schema_drift columns, in the order both adapters insert them */
export const DRIFT_COLUMNS = 'event, path, kind, expected, seen, example, count, first_seen, last_seen';

/** identifies a drift row: event type, path and kind */
export function driftKey(drift: { event: string; path: string; kind: string }): string {
  return `${drift.event}\u0000${drift.path}\u0000${drift.kind}`;
}

/** a schema_drift row as both adapters read it (postgres: a bigint count as text, times as Dates) */
export type DriftRow = Pick<DriftRecord, 'event' | 'path' | 'kind' | 'expected' | 'seen'> & {
  /** json text */
  example: string;
  count: number | string;
  first_seen: string | Date;
  last_seen: string | Date;
};

export function toDriftRecord(row: DriftRow): DriftRecord {
  return {
    event: row.event,
    path: row.path,
    kind: row.kind,
    expected: row.expected,
    seen: row.seen,
    example: JSON.parse(row.example) as DriftExample,
    count: Number(row.count),
    firstSeen: typeof row.first_seen === 'string' ? row.first_seen : row.first_seen.toISOString(),
    lastSeen: typeof row.last_seen === 'string' ? row.last_seen : row.last_seen.toISOString(),
  };
}
