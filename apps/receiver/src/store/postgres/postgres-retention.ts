import type { Pool } from 'pg';
import { cutoffsOf, type RetentionPolicy } from '../retention.js';
import { ADVISORY_UNLOCK_SQL, DELETE_EXPIRED_SQL, TRY_ADVISORY_LOCK_SQL } from './postgres-statements.js';

// the lock is a session advisory lock on a connection held for the pass, so one replica of a fleet
// prunes at a time

// 'omniret' in ascii: apart from the migration lock
const RETENTION_LOCK_KEY = 0x6f6d6e6972657;

/** the retention deletes and the fleet's retention lock of a postgres inbox */
export function postgresRetention(pool: Pool) {
  return {
    async deleteExpired(policy: RetentionPolicy): Promise<number> {
      let deleted = 0;
      for (const { statuses, before } of cutoffsOf(policy)) {
        const left = policy.batchSize - deleted;
        if (left <= 0) break;
        deleted += (await pool.query(DELETE_EXPIRED_SQL, [before, [...statuses], left])).rowCount ?? 0;
      }
      return deleted;
    },

    async withRetentionLock<T>(pass: () => Promise<T>): Promise<T | undefined> {
      const client = await pool.connect();
      let locked = false;
      try {
        const { rows } = await client.query<{ locked: boolean }>(TRY_ADVISORY_LOCK_SQL, [RETENTION_LOCK_KEY]);
        locked = rows[0]?.locked === true;
        if (!locked) return undefined;
        return await pass();
      } finally {
        // a connection that could not unlock is closed, which ends its lock with it
        const unlocked =
          !locked ||
          (await client.query(ADVISORY_UNLOCK_SQL, [RETENTION_LOCK_KEY]).then(
            () => true,
            () => false,
          ));
        client.release(!unlocked);
      }
    },
  };
}
