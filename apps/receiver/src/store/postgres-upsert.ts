import type { Pool } from 'pg';
import type { InboxStatus, InsertResult, NewInboxEvent } from './inbox-store.js';
import { timeOrderedId } from './time-ordered-id.js';

// one statement for any number of rows (arrays, not a placeholder per value), so postgres plans it
// once. rows go in dedupe-key order: two batches sharing keys then lock them in the same order and
// cannot deadlock. a key present k times in a batch is one row counting k deliveries, since ON CONFLICT
// cannot touch a row twice in one statement.
const UPSERT_SQL = `INSERT INTO inbox_events AS e
    (id, dedupe_key, type, status, payload, issues, delivery_count, received_at, last_delivery_at, available_at)
  SELECT id, dedupe_key, type, status, payload, issues::jsonb, delivery_count, received_at, last_delivery_at, received_at
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::integer[],
    $8::timestamptz[], $9::timestamptz[])
    AS batch (id, dedupe_key, type, status, payload, issues, delivery_count, received_at, last_delivery_at)
  ORDER BY dedupe_key
  ON CONFLICT (dedupe_key) DO UPDATE SET
    delivery_count = e.delivery_count + EXCLUDED.delivery_count,
    last_delivery_at = GREATEST(e.last_delivery_at, EXCLUDED.last_delivery_at)
  RETURNING e.id, e.dedupe_key, e.delivery_count, e.status`;

interface UpsertRow {
  id: string;
  dedupe_key: string;
  delivery_count: number;
  status: InboxStatus;
}

interface KeyGroup {
  first: NewInboxEvent;
  count: number;
  lastDeliveryAt: Date;
}

/**
 * inserts every event, or counts a delivery of an already stored dedupe key, in one statement (one
 * transaction); results come back in the order of `events`
 */
export async function upsertEvents(pool: Pool, events: readonly NewInboxEvent[]): Promise<InsertResult[]> {
  const groups = new Map<string, KeyGroup>();
  for (const event of events) {
    const group = groups.get(event.dedupeKey);
    if (!group) {
      groups.set(event.dedupeKey, { first: event, count: 1, lastDeliveryAt: event.receivedAt });
    } else {
      group.count += 1;
      if (event.receivedAt > group.lastDeliveryAt) group.lastDeliveryAt = event.receivedAt;
    }
  }
  const unique = [...groups.values()];
  const { rows } = await pool.query<UpsertRow>(UPSERT_SQL, [
    unique.map(() => timeOrderedId()),
    unique.map(({ first }) => first.dedupeKey),
    unique.map(({ first }) => first.type),
    unique.map(({ first }) => first.status),
    unique.map(({ first }) => first.payload),
    unique.map(({ first }) => (first.issues ? JSON.stringify(first.issues) : null)),
    unique.map(({ count }) => count),
    unique.map(({ first }) => first.receivedAt.toISOString()),
    unique.map(({ lastDeliveryAt }) => lastDeliveryAt.toISOString()),
  ]);
  const byKey = new Map(rows.map((row) => [row.dedupe_key, row]));
  // the copies of one key take the counts this statement added, in arrival order
  const seen = new Map<string, number>();
  return events.map((event) => {
    const row = byKey.get(event.dedupeKey);
    const group = groups.get(event.dedupeKey);
    if (!row || !group) throw new Error('upsert returned no row for a dedupe key');
    const index = seen.get(event.dedupeKey) ?? 0;
    seen.set(event.dedupeKey, index + 1);
    const deliveryCount = row.delivery_count - group.count + 1 + index;
    return { id: row.id, duplicate: deliveryCount > 1, deliveryCount, status: row.status };
  });
}
