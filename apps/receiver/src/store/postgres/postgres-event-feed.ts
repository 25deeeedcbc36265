import type { Pool } from 'pg';
import {
  decodeFeedPosition,
  encodeFeedPosition,
  type FedEvent,
  type FeedOptions,
  parseStoredHeaders,
} from '../event-feed.js';
import {
  FEED_END_SQL,
  FEED_PAGE_SQL,
  FEED_POSITION_OF_EVENT_SQL,
  FEED_POSITION_SINCE_SQL,
} from './postgres-statements.js';

// the stream order is (inserting transaction, seq), read only below the oldest running transaction
// (see FEED_PAGE_SQL and migration 6)

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface FeedRow {
  seq: string;
  xid: string;
  id: string;
  type: string;
  status: string;
  received_at: Date;
  payload: string;
  delivery_headers: string | null;
}

type PointRow = { seq: string; xid: string };

/** the stream feed of a postgres inbox */
export function postgresEventFeed(pool: Pool) {
  const end = async (): Promise<string> => {
    const { rows } = await pool.query<PointRow>(FEED_END_SQL);
    const row = rows[0];
    return encodeFeedPosition(row ? { xid: row.xid, seq: Number(row.seq) } : { xid: '0', seq: 0 });
  };
  return {
    async feedEvents({ after, limit }: FeedOptions): Promise<FedEvent[]> {
      const from = after === undefined ? { xid: '0', seq: 0 } : decodeFeedPosition(after);
      const { rows } = await pool.query<FeedRow>(FEED_PAGE_SQL, [from.xid, from.seq, limit]);
      return rows.map((row) => ({
        position: encodeFeedPosition({ xid: row.xid, seq: Number(row.seq) }),
        id: row.id,
        type: row.type,
        status: row.status,
        receivedAt: row.received_at.toISOString(),
        payload: row.payload,
        headers: parseStoredHeaders(row.delivery_headers),
      }));
    },
    async feedPosition(
      from: { afterEvent: string } | { receivedSince: Date } | 'now',
    ): Promise<string | undefined> {
      if (from === 'now') return end();
      if ('afterEvent' in from && !UUID.test(from.afterEvent)) return undefined;
      const { rows } =
        'afterEvent' in from
          ? await pool.query<PointRow>(FEED_POSITION_OF_EVENT_SQL, [from.afterEvent])
          : await pool.query<PointRow>(FEED_POSITION_SINCE_SQL, [from.receivedSince]);
      const row = rows[0];
      if (row) return encodeFeedPosition({ xid: row.xid, seq: Number(row.seq) });
      return 'afterEvent' in from ? undefined : end();
    },
  };
}
