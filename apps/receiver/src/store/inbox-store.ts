import type { DriftListOptions, DriftObservation, DriftRecord, ExportOptions } from './drift-records.js';
import type { InboxFeed } from './event-feed.js';
import type { InboxRetention } from './retention.js';

// the inbox: every accepted delivery, durable before the 200, claimed by workers afterwards.
// async throughout so a network database (postgres) fits the same interface.

export const INBOX_STATUSES = ['received', 'processed', 'failed', 'rejected', 'ignored'] as const;
export type InboxStatus = (typeof INBOX_STATUSES)[number];

export interface InboxIssue {
  path: (string | number)[];
  message: string;
  code: string;
}

export interface NewInboxEvent {
  dedupeKey: string;
  /** the `event` field as sent; may be a name this version does not know */
  type: string;
  status: Extract<InboxStatus, 'received' | 'rejected' | 'ignored'>;
  /** the body exactly as received (utf-8), kept raw so rejected events can be replayed */
  payload: string;
  issues?: readonly InboxIssue[];
  receivedAt: Date;
  /**
   * how long the key dedupes: a delivery of it more than this after the stored row was received is a
   * new event (a derived body hash: two real events may share a body). undefined: for ever (a delivery id)
   */
  dedupeWindowMs?: number;
  /**
   * the hash of the body (`sha256:<hex>` of its canonical json), kept with the row: a delivery whose
   * body hash matches a row received within `windowMs` is a duplicate of that row, whatever key either
   * came with (a signed capture replayed without its webhook-* headers gets another key, not another body)
   */
  bodyHash?: { key: string; windowMs: number };
  /**
   * leases a new `received` row to the caller as it is inserted (its first attempt), so a worker in
   * this process runs it without a claim. a store may ignore it and never answer `claimed`; both do
   * lease (postgres on the database's clock, like its claims)
   */
  leaseMs?: number;
  /** the delivery's headers as json, credentials left out (GET /events/stream); kept from the first delivery */
  deliveryHeaders?: string;
}

export interface InsertResult {
  id: string;
  /** true when the dedupe key was already stored: no new row, the delivery count went up */
  duplicate: boolean;
  deliveryCount: number;
  status: InboxStatus;
  /**
   * true when the key was stored as `rejected` and this delivery passed the schema (e.g. after a
   * schema fix): the row became `received` again, claimable at once
   */
  promoted: boolean;
  /** the new row, leased to the caller as `leaseMs` asked; absent when the store did not lease it */
  claimed?: ClaimedEvent;
}

export interface StoredEvent {
  id: string;
  type: string;
  dedupeKey: string;
  status: InboxStatus;
  deliveryCount: number;
  receivedAt: string;
  processedAt: string | null;
  handlerAttempts: number;
  lastError: string | null;
  issues: InboxIssue[] | null;
  payload: string;
}

export interface ClaimedEvent {
  id: string;
  type: string;
  payload: string;
  /** attempts including this one */
  handlerAttempts: number;
  leaseToken: string;
}

export interface ClaimOptions {
  limit: number;
  leaseMs: number;
  now?: Date;
  /**
   * attempts an event may have: a due event that already had them all never finished its last one
   * (the process crashed, or the handler outlived its lease), so it is marked `failed`, not claimed
   */
  maxAttempts?: number;
  /**
   * told of the events this claim marked `failed` for `maxAttempts`, oldest first, once they are
   * stored so and before the claim resolves; only the claim that failed an event reports it, so it is
   * reported once across every worker. not called when there are none; must not throw
   */
  onExhausted?: (events: ExhaustedEvent[]) => void;
}

/** a due event failed at claim time: its last allowed attempt never finished */
export type ExhaustedEvent = Omit<ClaimedEvent, 'leaseToken'>;

/** lastError of an event whose last attempt never finished */
export const NEVER_FINISHED_ERROR =
  'handler never finished: the process stopped or the lease expired during attempt';

export interface ListOptions {
  type?: string;
  status?: InboxStatus;
  limit: number;
  cursor?: string;
  /** default false: a page of 10 000 events must not hold 10 000 payloads of up to the body limit */
  includePayload?: boolean;
}

/**
 * a stored event as lists return it: the payload and the issues only when asked for (includePayload),
 * so a page of summaries stays small whatever the events hold
 */
export type ListedEvent = Omit<StoredEvent, 'payload' | 'issues'> & {
  payload?: string;
  issues?: InboxIssue[] | null;
};

export interface ListedEventPage {
  events: ListedEvent[];
  nextCursor: string | null;
}

/** a page listed with `includePayload` (`GET /events?include=payload`): every event whole */
export interface EventPage extends ListedEventPage {
  events: StoredEvent[];
}

// InboxStore's methods by role, so each part of the receiver declares only what it uses: ingest
// writes, the worker takes from the queue, the admin routes read and requeue, the drift radar keeps its
// rows, the stream follows the feed, the pruner deletes by age. a custom store implements InboxStore,
// which is all of them

/** what ingest needs: a delivery made durable */
export interface InboxWriter {
  /** inserts, or counts a duplicate delivery of the same dedupe key; durable when it resolves */
  insert(event: NewInboxEvent): Promise<InsertResult>;
}

/** what the worker needs: received events leased, then settled */
export interface InboxQueue {
  /**
   * leases up to `limit` received events whose retry time has come and whose lease (if any) expired;
   * a crashed worker's events come back once its lease runs out, until they reach `maxAttempts`.
   * the events claimed and failed together are at most `limit`
   */
  claim(options: ClaimOptions): Promise<ClaimedEvent[]>;
  /**
   * called when a worker starts: releases the leases no live worker can hold. sqlite: all of them (one
   * process owns the file, so they are a crashed run's); postgres: none (other replicas hold theirs)
   */
  releaseOrphanedLeases(): Promise<number>;
  /** extends a running claim's lease to `leaseMs` from now; false when the lease was lost */
  renewLease(id: string, leaseToken: string, leaseMs: number, now?: Date): Promise<boolean>;
  /** marks a claimed event processed; false when the lease was lost to another worker */
  complete(id: string, leaseToken: string, now?: Date): Promise<boolean>;
  /** records a handler failure: retried at `retryAt`, or `failed` for good when retryAt is null */
  fail(id: string, leaseToken: string, error: string, retryAt: Date | null, now?: Date): Promise<boolean>;
}

/** what the read api and the metrics need: stored events as they are */
export interface InboxReader {
  get(id: string): Promise<StoredEvent | undefined>;
  /** newest first; `nextCursor` is opaque, null on the last page */
  list(options: ListOptions): Promise<ListedEventPage>;
  countByStatus(): Promise<Record<InboxStatus, number>>;
  /** stored events with their payloads, oldest first; `nextCursor` null on the last page */
  exportEvents(options: ExportOptions): Promise<EventPage>;
}

/** what the admin routes need: reads, and putting a rejected or failed event back by hand */
export interface InboxAdmin extends InboxReader {
  /**
   * makes a `rejected` or `failed` event `received` again, claimable at once (a failed one with its
   * handler attempts reset); undefined when there is no such event in either status
   */
  requeue(id: string, now?: Date): Promise<StoredEvent | undefined>;
}

/** what the drift radar needs: its rows, shared by every replica */
export interface DriftStore {
  /**
   * adds observations to the drift rows (count summed, first and last seen widened, the first example
   * kept), in one transaction; resolves with those that made a new row, so only one replica reports it
   */
  recordDrift(observations: readonly DriftObservation[]): Promise<DriftObservation[]>;
  /** drift rows, most recently seen first */
  listDrift(options: DriftListOptions): Promise<DriftRecord[]>;
  /** distinct (event type, path, kind) rows */
  countDrift(): Promise<number>;
}

/** what the service needs around the others: a schema, readiness and an end */
export interface InboxLifecycle {
  /** creates or upgrades the schema; idempotent */
  migrate(): Promise<void>;
  /** throws when the store cannot be reached */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface InboxStore
  extends InboxWriter,
    InboxQueue,
    InboxAdmin,
    InboxFeed,
    InboxRetention,
    DriftStore,
    InboxLifecycle {}

export { decodeCursor, encodeCursor } from './keyset-page.js';
export { InvalidCursorError, UnstorableEventError } from './store-errors.js';
