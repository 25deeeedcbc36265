import { DRIFT_COLUMNS, type DriftListOptions, type ExportOptions } from './drift-records.js';
import type { ListOptions } from './inbox-store.js';
import { type BoundQuery, filteredQuery, keysetQuery, type Placeholder } from './keyset-page.js';
import { storedType } from './storable-text.js';

// the queries built per call (their filters vary), the same shape in both adapters: each adapter's
// statements module makes its own with its placeholders, columns and time values

export interface QueryDialect {
  placeholder: Placeholder;
  /** a summary row's columns (list without payloads) */
  summaryColumns: string;
  /** a whole row's columns */
  eventColumns: string;
  /** a time as the adapter binds it */
  time: (time: Date) => unknown;
}

export interface InboxQueries {
  /** a page of events, newest first; summaries unless the payload is asked for */
  listEvents(options: ListOptions): BoundQuery;
  /** a page of whole events, oldest first */
  exportEvents(options: ExportOptions): BoundQuery;
  /** drift rows, most recently seen first */
  listDrift(options: DriftListOptions): BoundQuery;
}

export function inboxQueries(dialect: QueryDialect): InboxQueries {
  const { placeholder } = dialect;
  const byType = (type: string | undefined, column = 'type') =>
    type === undefined ? undefined : ([`${column} =`, storedType(type)] as const);
  return {
    listEvents({ type, status, limit, cursor, includePayload }) {
      return keysetQuery({
        select: `SELECT ${includePayload ? dialect.eventColumns : dialect.summaryColumns} FROM inbox_events`,
        filters: [byType(type), status === undefined ? undefined : ['status =', status]],
        order: 'newest',
        cursor,
        limit,
        placeholder,
      });
    },

    exportEvents({ type, since, cursor, limit }) {
      return keysetQuery({
        select: `SELECT ${dialect.eventColumns} FROM inbox_events`,
        filters: [byType(type), since === undefined ? undefined : ['received_at >=', dialect.time(since)]],
        order: 'oldest',
        cursor,
        limit,
        placeholder,
      });
    },

    listDrift({ type, kind, limit }) {
      return filteredQuery(
        `SELECT ${DRIFT_COLUMNS} FROM schema_drift`,
        [byType(type, 'event'), kind === undefined ? undefined : ['kind =', kind]],
        placeholder,
        (bind) => `ORDER BY last_seen DESC, event, path, kind LIMIT ${bind(limit)}`,
      );
    },
  };
}
