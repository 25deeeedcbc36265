import {
  type ExhaustedEvent,
  INBOX_STATUSES,
  type InboxIssue,
  type InboxStatus,
  type ListedEvent,
  type StoredEvent,
} from './inbox-store.js';

// inbox_events rows as both adapters read them: sqlite keeps times as iso text, postgres as timestamptz
// (a Date here), and issues as json text in both

export interface SummaryRow {
  seq: number | string;
  id: string;
  dedupe_key: string;
  type: string;
  status: InboxStatus;
  /** json text; absent from a summary */
  issues?: string | null;
  delivery_count: number;
  received_at: string | Date;
  processed_at: string | Date | null;
  handler_attempts: number;
  last_error: string | null;
}

export interface EventRow extends SummaryRow {
  payload: string;
}

/** a row a claim returned: leased, or failed for having had every attempt */
export interface ClaimRow {
  seq: number | string;
  id: string;
  type: string;
  payload: string;
  handler_attempts: number;
}

// a list without payloads leaves issues out too: a page of 10 000 rows stays small
export const SUMMARY_COLUMNS =
  'seq, id, dedupe_key, type, status, delivery_count, received_at, processed_at, handler_attempts, last_error';

function isoTime(time: string | Date): string {
  return typeof time === 'string' ? time : time.toISOString();
}

export function toListedEvent(row: SummaryRow): ListedEvent {
  return {
    id: row.id,
    type: row.type,
    dedupeKey: row.dedupe_key,
    status: row.status,
    deliveryCount: row.delivery_count,
    receivedAt: isoTime(row.received_at),
    processedAt: row.processed_at === null ? null : isoTime(row.processed_at),
    handlerAttempts: row.handler_attempts,
    lastError: row.last_error,
    ...(row.issues === undefined
      ? {}
      : { issues: row.issues === null ? null : (JSON.parse(row.issues) as InboxIssue[]) }),
  };
}

export function toStoredEvent(row: EventRow): StoredEvent {
  const event = toListedEvent({ ...row, issues: row.issues ?? null });
  return { ...event, issues: event.issues ?? null, payload: row.payload };
}

/** a row of a list: whole when the query selected its payload, a summary otherwise */
export function toPageEvent(row: SummaryRow & { payload?: string }): ListedEvent {
  return row.payload === undefined ? toListedEvent(row) : toStoredEvent({ ...row, payload: row.payload });
}

/** a claimed row without its lease */
export function toExhaustedEvent(row: ClaimRow): ExhaustedEvent {
  return { id: row.id, type: row.type, payload: row.payload, handlerAttempts: row.handler_attempts };
}

/** rows of `status, count` as a count for every status, zero for those without rows */
export function countsByStatus(
  rows: readonly { status: InboxStatus; n: number }[],
): Record<InboxStatus, number> {
  const counts = Object.fromEntries(INBOX_STATUSES.map((status) => [status, 0])) as Record<
    InboxStatus,
    number
  >;
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}
