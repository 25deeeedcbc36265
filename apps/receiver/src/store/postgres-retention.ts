import type { Pool } from 'pg';
import { cutoffsOf, type RetentionPolicy } from './retention.js';

// a batch is one statement: rows locked by a worker (SKIP LOCKED) wait for the next pass. the lock is a
// session advisory lock on a connection held for the pass, so one replica of a fleet prunes at a time

// 'omniret' in ascii: apart from the migration lock
const RETENTION_LOCK_KEY = 0x6f6d6e6972657;

const DELETE_SQL = `DELETE FROM inbox_events WHERE seq IN (
    SELECT seq FROM inbox_events WHERE received_at < $1 AND status = ANY ($2::text[])
    ORDER BY received_at LIMIT $3
    FOR UPDATE SKIP LOCKED)`;

export function postgresRetention(pool: Pool) {
  return {
    async deleteExpired(policy: RetentionPolicy): Promise<number> {
      let deleted = 0;
      for (const { statuses, before } of cutoffsOf(policy)) {
        const left = policy.batchSize - deleted;
        if (left <= 0) break;
        deleted += (await pool.query(DELETE_SQL, [before, [...statuses], left])).rowCount ?? 0;
      }
      return deleted;
    },

    async withRetentionLock<T>(pass: () => Promise<T>): Promise<T | undefined> {
      const client = await pool.connect();
      let locked = false;
      try {
        const { rows } = await client.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_lock($1::bigint) AS locked',
          [RETENTION_LOCK_KEY],
        );
        locked = rows[0]?.locked === true;
        if (!locked) return undefined;
        return await pass();
      } finally {
        // a connection that could not unlock is closed, which ends its lock with it
        const unlocked =
          !locked ||
          (await client.query('SELECT pg_advisory_unlock($1::bigint)', [RETENTION_LOCK_KEY]).then(
            () => true,
            () => false,
          ));
        client.release(!unlocked);
      }
    },
  };
}
