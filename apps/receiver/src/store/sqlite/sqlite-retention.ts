import { cutoffsOf, type RetentionPolicy } from '../retention.js';
import type { SqliteStatements } from './sqlite-statements.js';

// a batch is one short write in the store's group commit

/** the retention deletes of a sqlite inbox */
export function sqliteRetention(statements: SqliteStatements) {
  return {
    /** runs inside the caller's write transaction */
    deleteExpired(policy: RetentionPolicy): number {
      let deleted = 0;
      for (const { statuses, before } of cutoffsOf(policy)) {
        const left = policy.batchSize - deleted;
        if (left <= 0) break;
        const [a = '', b = a, c = b] = statuses;
        deleted += statements.deleteExpired.run(before.toISOString(), a, b, c, left).changes;
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
