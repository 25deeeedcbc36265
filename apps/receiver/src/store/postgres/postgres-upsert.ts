import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { InboxStatus, InsertResult, NewInboxEvent } from '../inbox-store.js';
import { timeOrderedId } from '../time-ordered-id.js';
import {
  FAST_UPSERT_SQL,
  KEYS_OF_BODIES_SQL,
  LOCK_SQL,
  PROMOTE_SQL,
  RETIRE_SQL,
  UPSERT_SQL,
} from './postgres-statements.js';
import { PartialBatchFailure } from './statement-batcher.js';

interface UpsertRow {
  id: string;
  dedupe_key: string;
  delivery_count: number;
  status: InboxStatus;
  /** the fast statement's rows only */
  lease_token?: string | null;
}

interface KeyGroup {
  first: NewInboxEvent;
  count: number;
  lastDeliveryAt: Date;
  /** the token the fast statement leases a new row with, when its first event asked for a lease */
  leaseToken?: string;
}

/**
 * inserts every event, or counts a delivery of an already stored dedupe key; results come back in the
 * order of `events`. one statement for the batch; only keys whose stored row is past its window or
 * rejected-now-valid take the transaction (lock, retire keys past their window, promote rejected rows,
 * upsert). a failed transaction throws a PartialBatchFailure: the fast statement's part is committed
 * and answered, and only the keys of the transaction, which left nothing of them behind, are retried
 */
export async function upsertEvents(pool: Pool, received: readonly NewInboxEvent[]): Promise<InsertResult[]> {
  const events = await keyedByBody(pool, received);
  const groups = new Map<string, KeyGroup>();
  for (const event of events) {
    const group = groups.get(event.dedupeKey);
    if (!group) {
      groups.set(event.dedupeKey, { first: event, count: 1, lastDeliveryAt: event.receivedAt });
    } else {
      group.count += 1;
      if (event.receivedAt > group.lastDeliveryAt) group.lastDeliveryAt = event.receivedAt;
      // a copy that passed the schema speaks for the key
      if (group.first.status !== 'received' && event.status === 'received') group.first = event;
    }
  }
  const unique = [...groups.values()];
  for (const group of unique) {
    if (group.first.leaseMs !== undefined && group.first.status === 'received')
      group.leaseToken = randomUUID();
  }
  const fast = await pool.query<UpsertRow>(FAST_UPSERT_SQL, [
    ...upsertParameters(unique),
    unique.map(({ first }) =>
      first.dedupeWindowMs === undefined
        ? null
        : new Date(first.receivedAt.getTime() - first.dedupeWindowMs).toISOString(),
    ),
    unique.map(({ leaseToken }) => leaseToken ?? null),
    unique.map(({ first, leaseToken }) => (leaseToken ? (first.leaseMs ?? null) : null)),
  ]);
  const byKey = new Map(fast.rows.map((row) => [row.dedupe_key, row]));
  const rest = unique.filter(({ first }) => !byKey.has(first.dedupeKey));
  const promoted = new Set<string>();
  if (rest.length > 0) {
    // the fast statement is committed: running the whole batch again would count its keys twice. the
    // batcher answers them and retries only the transaction's keys, whose rows it left untouched (they
    // go through the fast statement again, which counts them once if another replica has since made
    // that possible). simpler than holding the fast statement in the transaction, and it keeps the
    // common case at one round trip
    let slow: { rows: UpsertRow[]; promoted: Set<string> };
    try {
      slow = await upsertInTransaction(pool, rest);
    } catch (error) {
      const results = resultsOf(events, groups, byKey, promoted);
      const done = new Map<number, InsertResult>();
      results.forEach((result, index) => {
        if (result) done.set(index, result);
      });
      throw new PartialBatchFailure(done, error);
    }
    for (const row of slow.rows) byKey.set(row.dedupe_key, row);
    for (const key of slow.promoted) promoted.add(key);
  }
  return resultsOf(events, groups, byKey, promoted).map((result) => {
    if (!result) throw new Error('upsert returned no row for a dedupe key');
    return result;
  });
}

/**
 * each event with the key its body is stored under within the window (or first came with in this
 * batch) in place of its own; events without a body hash or a match keep theirs
 */
async function keyedByBody(pool: Pool, events: readonly NewInboxEvent[]): Promise<NewInboxEvent[]> {
  const hashed = events.filter((event) => event.bodyHash !== undefined);
  if (hashed.length === 0) return [...events];
  const { rows } = await pool.query<{ body_hash: string; active_dedupe_key: string }>(KEYS_OF_BODIES_SQL, [
    hashed.map((event) => event.bodyHash?.key),
    hashed.map((event) =>
      new Date(event.receivedAt.getTime() - (event.bodyHash?.windowMs ?? 0)).toISOString(),
    ),
  ]);
  const keyOfBody = new Map(rows.map((row) => [row.body_hash, row.active_dedupe_key]));
  return events.map((event) => {
    if (!event.bodyHash) return event;
    const key = keyOfBody.get(event.bodyHash.key);
    if (key === undefined) {
      keyOfBody.set(event.bodyHash.key, event.dedupeKey);
      return event;
    }
    return key === event.dedupeKey ? event : { ...event, dedupeKey: key };
  });
}

/** each event's result from its key's row; undefined for a key without one */
function resultsOf(
  events: readonly NewInboxEvent[],
  groups: ReadonlyMap<string, KeyGroup>,
  byKey: ReadonlyMap<string, UpsertRow>,
  promoted: ReadonlySet<string>,
): (InsertResult | undefined)[] {
  // the copies of one key take the counts this statement added, in arrival order
  const seen = new Map<string, number>();
  return events.map((event) => {
    const row = byKey.get(event.dedupeKey);
    const group = groups.get(event.dedupeKey);
    if (!row || !group) return undefined;
    const index = seen.get(event.dedupeKey) ?? 0;
    seen.set(event.dedupeKey, index + 1);
    const deliveryCount = row.delivery_count - group.count + 1 + index;
    // the first valid copy of a promoted key reports the promotion; later ones are duplicates of it
    const promotedHere = promoted.has(event.dedupeKey) && event === group.first;
    // only a row this statement inserted carries the token it was sent with
    const leased =
      group.leaseToken !== undefined && row.lease_token === group.leaseToken && event === group.first;
    return {
      id: row.id,
      duplicate: deliveryCount > 1,
      deliveryCount,
      status: row.status,
      promoted: promotedHere,
      ...(leased
        ? {
            claimed: {
              id: row.id,
              type: event.type,
              payload: event.payload,
              handlerAttempts: 1,
              leaseToken: group.leaseToken as string,
            },
          }
        : {}),
    };
  });
}

/** the first eleven parameters of both upserts: one array per column, one element per key */
function upsertParameters(unique: readonly KeyGroup[]): unknown[] {
  return [
    unique.map(() => timeOrderedId()),
    unique.map(({ first }) => first.dedupeKey),
    unique.map(({ first }) => first.type),
    unique.map(({ first }) => first.status),
    unique.map(({ first }) => first.payload),
    unique.map(({ first }) => (first.issues ? JSON.stringify(first.issues) : null)),
    unique.map(({ count }) => count),
    unique.map(({ first }) => first.receivedAt.toISOString()),
    unique.map(({ lastDeliveryAt }) => lastDeliveryAt.toISOString()),
    unique.map(({ first }) => first.bodyHash?.key ?? null),
    unique.map(({ first }) => first.deliveryHeaders ?? null),
  ];
}

/** locks, retirement of keys past their window, promotion of rejected rows, then the upsert, in one transaction */
async function upsertInTransaction(
  pool: Pool,
  unique: readonly KeyGroup[],
): Promise<{ rows: UpsertRow[]; promoted: Set<string> }> {
  const valid = unique.filter(({ first }) => first.status === 'received').map(({ first }) => first);
  const windowed = unique.map(({ first }) => first).filter((event) => event.dedupeWindowMs !== undefined);
  const client = await pool.connect();
  let rows: UpsertRow[];
  let promoted: Set<string>;
  try {
    await client.query('BEGIN');
    await client.query(LOCK_SQL, [unique.map(({ first }) => first.dedupeKey)]);
    if (windowed.length > 0) {
      await client.query(RETIRE_SQL, [
        windowed.map((event) => event.dedupeKey),
        windowed.map((event) =>
          new Date(event.receivedAt.getTime() - (event.dedupeWindowMs ?? 0)).toISOString(),
        ),
      ]);
    }
    promoted = new Set(
      valid.length === 0
        ? []
        : (
            await client.query<{ dedupe_key: string }>(PROMOTE_SQL, [
              valid.map((event) => event.dedupeKey),
              valid.map((event) => event.type),
              valid.map((event) => event.payload),
              valid.map((event) => event.receivedAt.toISOString()),
            ])
          ).rows.map((row) => row.dedupe_key),
    );
    rows = (await client.query<UpsertRow>(UPSERT_SQL, upsertParameters(unique))).rows;
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    // the connection may be what failed: never hand it back to the pool
    client.release(true);
    throw error;
  }
  client.release();
  return { rows, promoted };
}
