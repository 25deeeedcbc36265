import type { SqliteDatabase } from '@omni-webhooks/sqlite';
import { cutoffsOf, type RetentionPolicy } from './retention.js';

// oldest first by the received_at index (named: the planner would rather take the status index and
// sort every processed row for each batch); a batch is one short write in the store's group commit

export function prepareSqliteRetention(db: SqliteDatabase) {
  const deleteOldest = db.prepare<[string, string, string, string, number]>(
    `DELETE FROM inbox_events WHERE seq IN (
       SELECT seq FROM inbox_events INDEXED BY inbox_events_by_received_at
       WHERE received_at < ? AND status IN (?, ?, ?)
       ORDER BY received_at LIMIT ?)`,
  );
  return {
    /** runs inside a write transaction */
    deleteExpired(policy: RetentionPolicy): number {
      let deleted = 0;
      for (const { statuses, before } of cutoffsOf(policy)) {
        const left = policy.batchSize - deleted;
        if (left <= 0) break;
        const [a = '', b = a, c = b] = statuses;
        deleted += deleteOldest.run(before.toISOString(), a, b, c, left).changes;
      }
      return deleted;
    },
  };
}

/** one pass at a time in this process: the file has no other writer */
export function createLocalRetentionLock() {
  let running = false;
  return async <T>(pass: () => Promise<T>): Promise<T | undefined> => {
    if (running) return undefined;
    running = true;
    try {
      return await pass();
    } finally {
      running = false;
    }
  };
}
