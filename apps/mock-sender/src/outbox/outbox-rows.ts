import type {
  AttemptSummary,
  AttemptView,
  DeliveryJob,
  DeliveryListItem,
  DeliverySchedule,
  DeliveryState,
  DeliveryView,
} from './outbox-types.js';
import { InvalidCursorError } from './outbox-types.js';

// the outbox's rows as sqlite returns them, and their mapping to what the engine and the API see

export interface JobRow {
  id: string;
  event_id: string;
  body: string;
  endpoint_id: string;
  url: string;
  secret: string | null;
  secret_header: string;
  signing_key: string | null;
  sign: number;
  state: DeliveryState;
  attempt_count: number;
  next_attempt_at: number | null;
  parked: number;
}

export type ScheduleRow = Pick<
  JobRow,
  'id' | 'endpoint_id' | 'state' | 'attempt_count' | 'next_attempt_at' | 'parked'
>;

export interface ViewRow {
  seq: number;
  id: string;
  event_id: string;
  type: string;
  /** absent from summary rows */
  body?: string;
  endpoint_id: string;
  url: string;
  state: DeliveryState;
  next_attempt_at: number | null;
  created_at: number;
  redelivery_of: string | null;
  attempts: string;
}

// a body is stored once for all the events (and deliveries) that send it: read through events.body_id
const BODY = '(SELECT b.body FROM bodies b WHERE b.id = e.body_id) AS body';

export const JOB_COLUMNS = `d.id, d.event_id, ${BODY}, d.endpoint_id, d.url, d.secret, d.secret_header, d.signing_key, d.sign,
  d.state, d.attempt_count, d.next_attempt_at, d.parked`;

export const SCHEDULE_COLUMNS = 'id, endpoint_id, state, attempt_count, next_attempt_at, parked';

// attempts folded into one json column so a page of deliveries is one query; a summary row leaves the
// bodies out in sql, so they are never read from disk or parsed
const viewColumns = (
  whole: boolean,
) => `d.seq, d.id, d.event_id, e.type, ${whole ? `${BODY}, ` : ''}d.endpoint_id,
  d.url, d.state, d.next_attempt_at, d.created_at, d.redelivery_of,
  (SELECT json_group_array(json_object('n', a.n, 'startedAt', a.started_at, 'durationMs', a.duration_ms,
     'status', a.status, 'error', a.error${whole ? ", 'responseBody', a.response_body" : ''}))
   FROM (SELECT * FROM attempts WHERE delivery_id = d.id ORDER BY n) a) AS attempts`;
export const VIEW_COLUMNS = viewColumns(true);
export const SUMMARY_COLUMNS = viewColumns(false);

const iso = (ms: number): string => new Date(ms).toISOString();

export function toSchedule(row: ScheduleRow): DeliverySchedule {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    state: row.state,
    attemptCount: row.attempt_count,
    nextAttemptAt: row.next_attempt_at,
    parked: row.parked === 1,
  };
}

export function toJob(row: JobRow): DeliveryJob {
  return {
    id: row.id,
    eventId: row.event_id,
    body: row.body,
    endpointId: row.endpoint_id,
    url: row.url,
    secret: row.secret ?? undefined,
    secretHeader: row.secret_header,
    signingKey: row.signing_key ?? undefined,
    sign: row.sign === 1,
    state: row.state,
    attemptCount: row.attempt_count,
    nextAttemptAt: row.next_attempt_at,
    parked: row.parked === 1,
  };
}

export function toListItem(row: ViewRow): DeliveryListItem {
  const attempts = JSON.parse(row.attempts) as (Omit<AttemptSummary, 'startedAt'> & { startedAt: number })[];
  return {
    id: row.id,
    event: row.type,
    eventId: row.event_id,
    endpointId: row.endpoint_id,
    url: row.url,
    state: row.state,
    attempts: attempts.map((attempt) => ({ ...attempt, startedAt: iso(attempt.startedAt) })),
    nextAttemptAt: row.next_attempt_at === null ? null : iso(row.next_attempt_at),
    createdAt: iso(row.created_at),
    redeliveryOf: row.redelivery_of,
  };
}

export function toView(row: ViewRow): DeliveryView {
  const item = toListItem(row);
  return {
    ...item,
    attempts: item.attempts as AttemptView[],
    payload: JSON.parse(row.body ?? 'null') as unknown,
  };
}

export const encodeCursor = (seq: number): string => Buffer.from(String(seq)).toString('base64url');

export function decodeCursor(cursor: string): number {
  const seq = Number(Buffer.from(cursor, 'base64url').toString());
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new InvalidCursorError('cursor is not one this server returned');
  }
  return seq;
}
