import type { DriftExample, DriftKind } from '@omni-webhooks/schema';

// what the receiver's admin routes answer, as JSON: the receiver writes these shapes and
// `omni-contract drift` reads them, so they are kept here once

/** a stored event's state, as `GET /events` and `GET /events/export` name it */
export type StoredEventStatus = 'received' | 'processed' | 'failed' | 'rejected' | 'ignored';

/** one row of `GET /drift`: one (event, path, kind) the strict schema would flag */
export interface DriftRow {
  event: string;
  path: string;
  kind: DriftKind;
  expected: string | null;
  seen: string;
  /** the first example stored (redacted, cut to 64 characters) */
  example: DriftExample;
  count: number;
  /** ISO-8601; null only in rows computed from captures without `receivedAt` */
  firstSeen: string | null;
  lastSeen: string | null;
}

/** the body of `GET /drift` */
export interface DriftResponse {
  drift: DriftRow[];
}

/** one line of `GET /events/export`: `body` is the payload exactly as received, for a byte-exact replay */
export interface ExportLine {
  id: string;
  type: string;
  status: StoredEventStatus;
  receivedAt: string;
  dedupeKey: string;
  body: string;
}
