import { randomUUID } from 'node:crypto';
import type { InsertResult, NewInboxEvent } from '../inbox-store.js';
import { storedType } from '../storable-text.js';
import { timeOrderedId } from '../time-ordered-id.js';
import type { InsertValues, SqliteStatements } from './sqlite-statements.js';

// one delivery into the inbox, inside the group transaction. a row keyed by its own body hash (an
// unsigned delivery under the default key) keeps no body_hash: its active key is that hash, and the
// lookups of a body look at active keys too. so the usual delivery, a new event, costs one lookup and a
// plain insert; anything already holding its key or body takes the full path

export function insertEvent(s: SqliteStatements, event: NewInboxEvent): InsertResult {
  const type = storedType(event.type);
  const { bodyHash } = event;
  const ownHash = bodyHash !== undefined && bodyHash.key === event.dedupeKey;
  if (ownHash && event.dedupeWindowMs === bodyHash.windowMs) {
    const cutoff = isoBefore(event.receivedAt, bodyHash.windowMs);
    // no row holds the key (of any age: an old one is retired below), none has the body in the window
    if (!s.keyOrBodyHeld.get(bodyHash.key, cutoff)) return insertNew(s, event, type);
  }
  return upsertEvent(s, event, type, ownHash ? null : (bodyHash?.key ?? null));
}

function isoBefore(at: Date, ms: number): string {
  return new Date(at.getTime() - ms).toISOString();
}

/** one process owns the file, so the worker that asked for the new row can hold it at once */
function leaseFor(event: NewInboxEvent) {
  return event.leaseMs !== undefined && event.status === 'received'
    ? { token: randomUUID(), until: Date.now() + event.leaseMs }
    : undefined;
}

function rowValues(event: NewInboxEvent, type: string, activeKey: string, bodyHash: string | null) {
  const iso = event.receivedAt.toISOString();
  const lease = leaseFor(event);
  const values: InsertValues = [
    timeOrderedId(),
    event.dedupeKey,
    activeKey,
    type,
    event.status,
    event.payload,
    event.issues ? JSON.stringify(event.issues) : null,
    iso,
    iso,
    event.receivedAt.getTime(),
    lease?.token ?? null,
    lease?.until ?? null,
    lease ? 1 : 0,
    bodyHash,
    event.deliveryHeaders ?? null,
  ];
  return { values, lease };
}

/** a key and a body nothing holds: no conflict to resolve, nothing to return */
function insertNew(s: SqliteStatements, event: NewInboxEvent, type: string): InsertResult {
  const { values, lease } = rowValues(event, type, event.dedupeKey, null);
  s.insert.run(...values);
  const id = values[0];
  return {
    id,
    duplicate: false,
    deliveryCount: 1,
    status: event.status,
    promoted: false,
    ...(lease
      ? { claimed: { id, type, payload: event.payload, handlerAttempts: 1, leaseToken: lease.token } }
      : {}),
  };
}

function upsertEvent(
  s: SqliteStatements,
  event: NewInboxEvent,
  type: string,
  bodyHash: string | null,
): InsertResult {
  // the same body stored within its window is this event, whatever key it was stored under
  const sameBody = event.bodyHash
    ? s.keyOfBody.get(event.bodyHash.key, isoBefore(event.receivedAt, event.bodyHash.windowMs))
        ?.active_dedupe_key
    : undefined;
  const key = sameBody ?? event.dedupeKey;
  // a row older than the key's window is another event that happened to have the same body
  if (sameBody === undefined && event.dedupeWindowMs !== undefined) {
    s.retireKey.run(event.dedupeKey, isoBefore(event.receivedAt, event.dedupeWindowMs));
  }
  // a valid delivery of a key stored as rejected (the schema was fixed since): process it after all
  const promoted =
    event.status === 'received' &&
    s.promote.run(event.receivedAt.getTime(), type, event.payload, key).changes === 1;
  const { values, lease } = rowValues(event, type, key, bodyHash);
  const row = s.upsert.get(...values);
  if (!row) throw new Error('insert returned no row');
  // a duplicate keeps the stored row's lease: only a row this insert created carries the new token
  const claimed =
    lease && row.lease_token === lease.token
      ? { id: row.id, type, payload: event.payload, handlerAttempts: 1, leaseToken: lease.token }
      : undefined;
  return {
    id: row.id,
    duplicate: row.delivery_count > 1,
    deliveryCount: row.delivery_count,
    status: row.status,
    promoted,
    ...(claimed ? { claimed } : {}),
  };
}
