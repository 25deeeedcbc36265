import { createTestDatabase, startTestPostgres, type TestPostgres } from '@omni-webhooks/test-postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFeedAndRetention } from '../feed-and-retention.contract.js';
import { createPostgresInboxStore } from './postgres-inbox-store.js';

let server: TestPostgres;
const drops: (() => Promise<void>)[] = [];
beforeAll(async () => {
  server = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await Promise.all(drops.splice(0).map((drop) => drop()));
  await server?.stop();
}, 60_000);

async function freshDatabase(): Promise<string> {
  const database = await createTestDatabase(server.url);
  drops.push(database.drop);
  return database.url;
}

describeFeedAndRetention('postgres', async () =>
  createPostgresInboxStore({ connectionString: await freshDatabase(), poolMax: 4 }),
);

describe('postgres feed and retention across replicas', () => {
  it('lets one replica prune at a time (advisory lock)', async () => {
    const url = await freshDatabase();
    const [a, b] = [
      createPostgresInboxStore({ connectionString: url }),
      createPostgresInboxStore({ connectionString: url }),
    ];
    await a.migrate();
    await b.migrate();
    try {
      let other: unknown = 'not run';
      const held = await a.withRetentionLock(async () => {
        other = await b.withRetentionLock(async () => 'b ran');
        return 'a ran';
      });
      expect(held).toBe('a ran');
      expect(other).toBeUndefined();
      expect(await b.withRetentionLock(async () => 'b ran')).toBe('b ran');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('never feeds a row ahead of one a running transaction will still commit', async () => {
    const url = await freshDatabase();
    const store = createPostgresInboxStore({ connectionString: url });
    await store.migrate();
    const { Client } = await import('pg');
    const slow = new Client({ connectionString: url });
    await slow.connect();
    try {
      const start = await store.feedPosition('now');
      // a transaction takes its row (and seq) first, and commits after a later one
      await slow.query('BEGIN');
      await slow.query(
        `INSERT INTO inbox_events (id, dedupe_key, active_dedupe_key, type, status, payload, received_at, last_delivery_at, available_at)
         VALUES (gen_random_uuid(), 'slow', 'slow', 'lead.created', 'received', '{}', now(), now(), now())`,
      );
      const fast = await store.insert({
        dedupeKey: 'fast',
        type: 'lead.created',
        status: 'received',
        payload: '{"event":"lead.created"}',
        receivedAt: new Date(),
      });
      expect(await store.feedEvents({ after: start, limit: 10 })).toEqual([]);
      await slow.query('COMMIT');
      const fed = await store.feedEvents({ after: start, limit: 10 });
      expect(fed.map((event) => event.id)).toContain(fast.id);
      expect(fed).toHaveLength(2);
    } finally {
      await slow.end();
      await store.close();
    }
  });
});
