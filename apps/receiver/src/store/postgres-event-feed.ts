import type { Pool } from 'pg';
import {
  decodeFeedPosition,
  encodeFeedPosition,
  type FedEvent,
  type FeedOptions,
  parseStoredHeaders,
} from './event-feed.js';

// replicas and concurrent batches commit out of seq order, so the stream order is (inserting
// transaction, seq), and a page reads only rows of transactions older than every one still running:
// no row can later appear before a position handed out (see migration 6)

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ORDER = `COALESCE(stream_xid, '0'::xid8)`;

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

const PAGE_SQL = `SELECT seq, ${ORDER}::text AS xid, id, type, status, received_at, payload, delivery_headers
  FROM inbox_events
  WHERE (${ORDER}, seq) > ($1::text::xid8, $2::bigint)
    AND ${ORDER} < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY ${ORDER}, seq
  LIMIT $3`;

// the end: the newest row no running transaction can still get ahead of
const LAST_SQL = `SELECT seq, ${ORDER}::text AS xid FROM inbox_events
  WHERE ${ORDER} < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY ${ORDER} DESC, seq DESC LIMIT 1`;

export function postgresEventFeed(pool: Pool) {
  const end = async (): Promise<string> => {
    const { rows } = await pool.query<{ seq: string; xid: string }>(LAST_SQL);
    const row = rows[0];
    return encodeFeedPosition(row ? { xid: row.xid, seq: Number(row.seq) } : { xid: '0', seq: 0 });
  };
  return {
    async feedEvents({ after, limit }: FeedOptions): Promise<FedEvent[]> {
      const from = after === undefined ? { xid: '0', seq: 0 } : decodeFeedPosition(after);
      const { rows } = await pool.query<FeedRow>(PAGE_SQL, [from.xid, from.seq, limit]);
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
          ? await pool.query<{ seq: string; xid: string }>(
              `SELECT seq, ${ORDER}::text AS xid FROM inbox_events WHERE id = $1`,
              [from.afterEvent],
            )
          : await pool.query<{ seq: string; xid: string }>(
              `SELECT seq - 1 AS seq, ${ORDER}::text AS xid FROM inbox_events WHERE received_at >= $1
               ORDER BY received_at, seq LIMIT 1`,
              [from.receivedSince],
            );
      const row = rows[0];
      if (row) return encodeFeedPosition({ xid: row.xid, seq: Number(row.seq) });
      return 'afterEvent' in from ? undefined : end();
    },
  };
}
