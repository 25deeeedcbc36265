import {
  decodeFeedPosition,
  encodeFeedPosition,
  type FedEvent,
  type FeedOptions,
  parseStoredHeaders,
} from '../event-feed.js';
import type { SqliteStatements } from './sqlite-statements.js';

// one writer, whose transactions commit in seq order: seq alone is the stream order

const at = (seq: number) => encodeFeedPosition({ xid: '0', seq });

/** the stream feed of a sqlite inbox */
export function sqliteEventFeed(statements: SqliteStatements) {
  return {
    feedEvents({ after, limit }: FeedOptions): FedEvent[] {
      const from = after === undefined ? 0 : decodeFeedPosition(after).seq;
      return statements.feedPage.all(from, limit).map((row) => ({
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
      const end = () => at(statements.feedLast.get()?.seq ?? 0);
      if (from === 'now') return end();
      if ('afterEvent' in from) {
        const row = statements.feedSeqOf.get(from.afterEvent);
        return row ? at(row.seq) : undefined;
      }
      const row = statements.feedFirstSince.get(from.receivedSince.toISOString());
      return row ? at(row.seq - 1) : end();
    },
  };
}
