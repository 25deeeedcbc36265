import type { SqliteDatabase } from '@omni-webhooks/sqlite';
import {
  decodeFeedPosition,
  encodeFeedPosition,
  type FedEvent,
  type FeedOptions,
  parseStoredHeaders,
} from './event-feed.js';

// one writer, whose transactions commit in seq order: seq alone is the stream order

interface FeedRow {
  seq: number;
  id: string;
  type: string;
  status: string;
  received_at: string;
  payload: string;
  delivery_headers: string | null;
}

const at = (seq: number) => encodeFeedPosition({ xid: '0', seq });

export function prepareSqliteEventFeed(db: SqliteDatabase) {
  const page = db.prepare<[number, number], FeedRow>(
    `SELECT seq, id, type, status, received_at, payload, delivery_headers FROM inbox_events
     WHERE seq > ? ORDER BY seq LIMIT ?`,
  );
  const seqOf = db.prepare<[string], { seq: number }>('SELECT seq FROM inbox_events WHERE id = ?');
  const firstSince = db.prepare<[string], { seq: number }>(
    'SELECT seq FROM inbox_events WHERE received_at >= ? ORDER BY received_at, seq LIMIT 1',
  );
  const last = db.prepare<[], { seq: number | null }>('SELECT max(seq) AS seq FROM inbox_events');
  return {
    feedEvents({ after, limit }: FeedOptions): FedEvent[] {
      const from = after === undefined ? 0 : decodeFeedPosition(after).seq;
      return page.all(from, limit).map((row) => ({
        position: at(row.seq),
        id: row.id,
        type: row.type,
        status: row.status,
        receivedAt: row.received_at,
        payload: row.payload,
        headers: parseStoredHeaders(row.delivery_headers),
      }));
    },
    feedPosition(from: { afterEvent: string } | { receivedSince: Date } | 'now'): string | undefined {
      if (from === 'now') return at(last.get()?.seq ?? 0);
      if ('afterEvent' in from) {
        const row = seqOf.get(from.afterEvent);
        return row ? at(row.seq) : undefined;
      }
      const row = firstSince.get(from.receivedSince.toISOString());
      return row ? at(row.seq - 1) : at(last.get()?.seq ?? 0);
    },
  };
}
