import { randomUUID } from 'node:crypto';
import { createFakeEvent } from '@omni-webhooks/schema/fixtures';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '@omni-webhooks/test-postgres';
import { Client, Pool } from 'pg';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDriftRadar } from '../../drift/drift-radar.js';
import { ingestDelivery } from '../../ingest/ingest-delivery.js';
import { INGEST_RESPONSES } from '../../ingest/ingest-responses.js';
import { startHarness } from '../../test-support/receiver-harness.js';
import { describeInboxStore } from '../inbox-store.contract.js';
import type { InboxStore, NewInboxEvent } from '../inbox-store.js';
import { openInboxStore } from '../open-inbox-store.js';
import { openTcpGate } from '../test-support/tcp-gate.js';
import { createPostgresInboxStore, type PostgresInboxStoreOptions } from './postgres-inbox-store.js';
import { MIGRATIONS_TABLE, POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import { upsertEvents } from './postgres-upsert.js';

let server: TestPostgres;
const drops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  server = await startTestPostgres();
}, 60_000);

afterAll(async () => {
  // dropping in parallel lets postgres share one checkpoint among them
  await Promise.all(drops.splice(0).map((drop) => drop()));
  await server?.stop();
}, 60_000);

/** a fresh database for each store test, dropped once the file is done */
async function freshDatabase(): Promise<string> {
  const database = await createTestDatabase(server.url);
  drops.push(database.drop);
  return database.url;
}

function store(url: string, options: Partial<PostgresInboxStoreOptions> = {}): InboxStore {
  return createPostgresInboxStore({ connectionString: url, poolMax: 4, ...options });
}

describeInboxStore('postgres (group commit)', async () => store(await freshDatabase()));
describeInboxStore('postgres (one statement per insert)', async () =>
  store(await freshDatabase(), { groupCommit: false }),
);

function newEvent(dedupeKey: string): NewInboxEvent {
  return {
    dedupeKey,
    type: 'lead.created',
    status: 'received',
    payload: '{"event":"lead.created","data":{"leadId":"l1"}}',
    receivedAt: new Date(),
  };
}

async function sql<Row extends object>(url: string, text: string, params: unknown[] = []): Promise<Row[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(text, params)).rows;
  } finally {
    await client.end();
  }
}

describe('postgres inbox store: several replicas on one database', () => {
  // two stores are two pools, as two receiver processes would have
  async function twoReplicas(options: Partial<PostgresInboxStoreOptions> = {}) {
    const url = await freshDatabase();
    const replicas = [store(url, options), store(url, options)] as const;
    await Promise.all(replicas.map((replica) => replica.migrate()));
    return { url, replicas, close: () => Promise.all(replicas.map((replica) => replica.close())) };
  }

  it('share one set of drift rows: each replica adds its counts, and only one hears a row is new', async () => {
    const { replicas, close } = await twoReplicas();
    try {
      const firstSeen: string[] = [];
      const radars = replicas.map((replica) => {
        const logger = pino(
          { level: 'warn' },
          {
            write: (line: string) => void firstSeen.push((JSON.parse(line) as { path: string }).path),
          },
        );
        return createDriftRadar({ store: replica, logger, registry: new Registry() });
      });
      const drifted = (n: number) => ({
        ...createFakeEvent('lead.created', { data: { leadId: `l-${n}` } }, { seed: 1 }),
        apiVersion: '2026-01',
        data: { leadId: `l-${n}`, source: 'zapier' },
      });
      for (let n = 0; n < 5000; n += 1) {
        for (const radar of radars) radar.observe('lead.created', drifted(n));
        if (n % 1000 === 999) await Promise.all(radars.map((radar) => radar.flush()));
      }
      await Promise.all(radars.map((radar) => radar.stop()));
      const [a, b] = await Promise.all(replicas.map((replica) => replica.listDrift({ limit: 10 })));
      expect(a).toEqual(b);
      expect(a?.map((row) => [row.path, row.kind, row.count]).sort()).toEqual([
        ['apiVersion', 'unknown_field', 10_000],
        ['data.source', 'new_enum_value', 10_000],
      ]);
      expect(firstSeen.sort()).toEqual(['apiVersion', 'data.source']);
    } finally {
      await close();
    }
  });

  it('migrates once when replicas start at the same time', async () => {
    const url = await freshDatabase();
    const stores = Array.from({ length: 5 }, () => store(url, { poolMax: 1 }));
    await Promise.all(stores.map((s) => s.migrate()));
    const versions = await sql<{ version: number }>(url, `SELECT version FROM ${MIGRATIONS_TABLE}`);
    expect(versions.map((row) => row.version)).toEqual(POSTGRES_MIGRATIONS.map((_, index) => index + 1));
    await Promise.all(stores.map((s) => s.close()));
  });

  it('upgrades a version-1 database in place, keeping its rows and their dedupe', async () => {
    const url = await freshDatabase();
    await sql(
      url,
      `CREATE TABLE ${MIGRATIONS_TABLE} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    await sql(url, POSTGRES_MIGRATIONS[0] ?? '');
    await sql(url, `INSERT INTO ${MIGRATIONS_TABLE} (version) VALUES (1)`);
    const id = randomUUID();
    await sql(
      url,
      `INSERT INTO inbox_events (id, dedupe_key, type, status, payload, received_at, last_delivery_at, available_at)
       VALUES ($1, 'old-key', 'lead.created', 'received', '{}', now(), now(), now())`,
      [id],
    );
    const rejectedId = randomUUID();
    const issues = [{ path: ['data', 'leadId'], message: 'Required', code: 'invalid_type' }];
    await sql(
      url,
      `INSERT INTO inbox_events (id, dedupe_key, type, status, payload, issues, received_at, last_delivery_at, available_at)
       VALUES ($1, 'old-rejected', 'lead.created', 'rejected', '{}', $2::jsonb, now(), now(), now())`,
      [rejectedId, JSON.stringify(issues)],
    );
    const upgraded = store(url);
    await upgraded.migrate();
    // migration 3 moved the jsonb issues to the text column
    expect(await upgraded.get(rejectedId)).toMatchObject({ status: 'rejected', issues });
    expect(await sql(url, 'SELECT 1 FROM inbox_events WHERE issues IS NOT NULL')).toEqual([]);
    expect(await upgraded.insert(newEvent('old-key'))).toMatchObject({
      id,
      duplicate: true,
      deliveryCount: 2,
    });
    await upgraded.close();
  });

  it('refuses a database migrated by a newer receiver', async () => {
    const url = await freshDatabase();
    const first = store(url);
    await first.migrate();
    await first.close();
    await sql(url, `INSERT INTO ${MIGRATIONS_TABLE} (version) VALUES ($1)`, [POSTGRES_MIGRATIONS.length + 1]);
    const second = store(url);
    await expect(second.migrate()).rejects.toThrow(/newer than this receiver/);
    await second.close();
  });

  // with group commit each replica sends its copies as one statement; without, 50 statements race
  it.each([
    ['group commit', true],
    ['one statement per insert', false],
  ])(
    'concurrent duplicates at two replicas leave one row that counts every delivery (%s)',
    async (_, groupCommit) => {
      const { replicas, close } = await twoReplicas({ groupCommit });
      const deliveries = 50;
      const results = await Promise.all(
        Array.from({ length: deliveries }, (_, n) =>
          (n % 2 ? replicas[1] : replicas[0]).insert(newEvent('same-event')),
        ),
      );
      expect(new Set(results.map((result) => result.id)).size).toBe(1);
      expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
      // every delivery saw its own count: none was lost or counted twice
      expect(results.map((result) => result.deliveryCount).sort((a, b) => a - b)).toEqual(
        Array.from({ length: deliveries }, (_, n) => n + 1),
      );
      const page = await replicas[1].list({ limit: 10 });
      expect(page.events).toHaveLength(1);
      expect(page.events[0]).toMatchObject({ dedupeKey: 'same-event', deliveryCount: deliveries });
      await close();
    },
  );

  it('concurrent deliveries of a body past its dedupe window at two replicas make one new row', async () => {
    const { replicas, close } = await twoReplicas();
    const hour = 3_600_000;
    const t0 = new Date('2026-01-03T00:00:00.000Z');
    const windowed = (receivedAt: Date) => ({
      ...newEvent('sha256:again'),
      receivedAt,
      dedupeWindowMs: hour,
    });
    const old = await replicas[0].insert(windowed(t0));
    const later = new Date(t0.getTime() + 2 * hour);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, n) => replicas[n % 2 ? 1 : 0].insert(windowed(later))),
    );
    const ids = new Set(results.map((result) => result.id));
    expect(ids.size).toBe(1);
    expect(ids.has(old.id)).toBe(false);
    expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
    const rows = (await replicas[1].list({ limit: 10 })).events;
    expect(rows.map((row) => row.deliveryCount)).toEqual([20, 1]);
    await close();
  });

  it('many events each sent to both replicas at once are stored once each', async () => {
    const { replicas, close } = await twoReplicas();
    const keys = Array.from({ length: 100 }, (_, n) => `event-${n}`);
    const results = await Promise.all(
      keys.flatMap((key) => replicas.map((replica) => replica.insert(newEvent(key)))),
    );
    expect(results.filter((result) => !result.duplicate)).toHaveLength(keys.length);
    const counts = await replicas[0].countByStatus();
    expect(counts.received).toBe(keys.length);
    const rows = await replicas[0].list({ limit: 1000 });
    expect(rows.events.every((event) => event.deliveryCount === 2)).toBe(true);
    await close();
  });

  it('completions at one replica and duplicate deliveries at another over the same rows all succeed', async () => {
    // completions lock rows in id order, upserts in dedupe-key order: keys here sort against the ids.
    // a third session holds the middle row until both statements wait on it, so each has locked its
    // half: they then meet head-on, and postgres breaks the deadlock by failing one of them
    const appNames = [`deadlock-a-${randomUUID().slice(0, 8)}`, `deadlock-b-${randomUUID().slice(0, 8)}`];
    const url = await freshDatabase();
    const replicas = appNames.map((applicationName) => store(url, { applicationName }));
    const [completer, deliverer] = replicas as [InboxStore, InboxStore];
    await Promise.all(replicas.map((replica) => replica.migrate()));
    const rows = 20;
    const keys = Array.from({ length: rows }, (_, n) => `k-${String(rows - n).padStart(3, '0')}`);
    for (const key of keys) await completer.insert(newEvent(key));
    const claimed = await completer.claim({ limit: rows, leaseMs: 60_000 });
    expect(claimed).toHaveLength(rows);
    const holder = new Client({ connectionString: url });
    holder.on('error', () => undefined);
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM inbox_events WHERE dedupe_key = $1 FOR UPDATE', [keys[rows / 2]]);
    const completing = Promise.allSettled(
      claimed.map((event) => completer.complete(event.id, event.leaseToken)),
    );
    const delivering = Promise.allSettled(keys.map((key) => deliverer.insert(newEvent(key))));
    await vi.waitFor(
      async () => {
        const [row] = await sql<{ n: number }>(
          url,
          `SELECT count(*)::integer AS n FROM pg_stat_activity
           WHERE application_name = ANY ($1) AND wait_event_type = 'Lock'`,
          [appNames],
        );
        expect(row?.n).toBe(2);
      },
      { timeout: 5000, interval: 20 },
    );
    await holder.query('ROLLBACK');
    await holder.end();
    const [completed, duplicates] = await Promise.all([completing, delivering]);
    expect(completed.filter((result) => result.status === 'rejected')).toEqual([]);
    expect(duplicates.filter((result) => result.status === 'rejected')).toEqual([]);
    expect(completed.every((result) => result.status === 'fulfilled' && result.value)).toBe(true);
    expect(await deliverer.countByStatus()).toMatchObject({ processed: rows, received: 0 });
    const page = await deliverer.list({ limit: 100 });
    expect(page.events.map((event) => event.deliveryCount)).toEqual(Array(rows).fill(2));
    await Promise.all(replicas.map((replica) => replica.close()));
  }, 30_000);

  it('two replicas claiming at once never claim the same event', async () => {
    const { replicas, close } = await twoReplicas();
    const total = 200;
    for (let n = 0; n < total; n += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, i) => replicas[0].insert(newEvent(`claim-${n + i}`))));
    }
    const claimedBy = replicas.map(() => [] as string[]);
    await Promise.all(
      replicas.map(async (replica, index) => {
        for (;;) {
          const batch = await replica.claim({ limit: 7, leaseMs: 60_000 });
          if (batch.length === 0) return;
          claimedBy[index]?.push(...batch.map((event) => event.id));
        }
      }),
    );
    const all = claimedBy.flat();
    expect(all).toHaveLength(total);
    expect(new Set(all).size).toBe(total);
    await close();
  });

  it('two replicas claiming at once report each event failed for its attempts exactly once', async () => {
    const { replicas, close } = await twoReplicas();
    const total = 100;
    await Promise.all(Array.from({ length: total }, (_, i) => replicas[0].insert(newEvent(`spent-${i}`))));
    // after every event was received
    const t0 = new Date(Date.now() + 60_000);
    // every event's only attempt "crashed"
    expect(await replicas[0].claim({ limit: total, leaseMs: 1000, now: t0, maxAttempts: 1 })).toHaveLength(
      total,
    );
    const later = new Date(t0.getTime() + 1000);
    const reportedBy = replicas.map(() => [] as string[]);
    await Promise.all(
      replicas.map(async (replica, index) => {
        for (;;) {
          let reported = 0;
          const claimed = await replica.claim({
            limit: 7,
            leaseMs: 1000,
            now: later,
            maxAttempts: 1,
            onExhausted: (events) => {
              reported += events.length;
              reportedBy[index]?.push(...events.map((event) => event.id));
            },
          });
          expect(claimed).toEqual([]);
          if (reported === 0) return;
        }
      }),
    );
    const all = reportedBy.flat();
    expect(all).toHaveLength(total);
    expect(new Set(all).size).toBe(total);
    expect(await replicas[1].countByStatus()).toMatchObject({ failed: total, received: 0 });
    await close();
  });

  it('a starting replica leaves the leases of the others alone', async () => {
    const { replicas, close } = await twoReplicas();
    await replicas[0].insert(newEvent('held'));
    expect(await replicas[0].claim({ limit: 10, leaseMs: 60_000 })).toHaveLength(1);
    expect(await replicas[1].releaseOrphanedLeases()).toBe(0);
    expect(await replicas[1].claim({ limit: 10, leaseMs: 60_000 })).toEqual([]);
    await close();
  });

  it('leases a new event to the replica that inserted it, on the database clock, until it expires', async () => {
    const { replicas, close } = await twoReplicas();
    const inserted = await replicas[0].insert({ ...newEvent('leased-at-insert'), leaseMs: 300 });
    expect(inserted.claimed).toMatchObject({ id: inserted.id, handlerAttempts: 1 });
    // a duplicate, at either replica, is not leased again, and leaves the lease alone
    const again = await replicas[1].insert({ ...newEvent('leased-at-insert'), leaseMs: 60_000 });
    expect(again).toMatchObject({ id: inserted.id, duplicate: true });
    expect(again.claimed).toBeUndefined();
    expect(await replicas[1].claim({ limit: 10, leaseMs: 60_000 })).toEqual([]);
    // the inserting replica "died": another claims the event once the lease is over
    const reclaimed = await vi.waitFor(
      async () => {
        const [claimed] = await replicas[1].claim({ limit: 10, leaseMs: 60_000 });
        if (!claimed) throw new Error('not reclaimed yet');
        return claimed;
      },
      { timeout: 5000, interval: 50 },
    );
    expect(reclaimed).toMatchObject({ id: inserted.id, handlerAttempts: 2 });
    expect(await replicas[0].complete(inserted.id, inserted.claimed?.leaseToken ?? '')).toBe(false);
    expect(await replicas[1].complete(inserted.id, reclaimed.leaseToken)).toBe(true);
    // copies of one key in one batch: only the one that made the row holds its lease
    const copies = await Promise.all(
      [1, 2, 3].map(() => replicas[0].insert({ ...newEvent('copies'), leaseMs: 60_000 })),
    );
    expect(copies.filter((copy) => copy.claimed)).toHaveLength(1);
    await close();
  });

  it('an event whose replica died mid-handler is reclaimed by another once its lease expires', async () => {
    const { replicas, close } = await twoReplicas();
    const { id } = await replicas[0].insert(newEvent('lease'));
    // replica 0 claims on the database clock, then never completes (it "died")
    const [lost] = await replicas[0].claim({ limit: 10, leaseMs: 300 });
    expect(lost?.id).toBe(id);
    expect(await replicas[1].claim({ limit: 10, leaseMs: 60_000 })).toEqual([]);
    const again = await vi.waitFor(
      async () => {
        const [claimed] = await replicas[1].claim({ limit: 10, leaseMs: 60_000 });
        if (!claimed) throw new Error('not reclaimed yet');
        return claimed;
      },
      { timeout: 5000, interval: 50 },
    );
    expect(again).toMatchObject({ id, handlerAttempts: 2 });
    expect(await replicas[0].complete(id, lost?.leaseToken ?? '')).toBe(false);
    expect(await replicas[1].complete(id, again.leaseToken)).toBe(true);
    expect(await replicas[0].get(id)).toMatchObject({ status: 'processed', handlerAttempts: 2 });
    await close();
  });
});

describe('bodies holding U+0000 (json escapes): both adapters answer the same', () => {
  // postgres text and jsonb cannot hold U+0000: this used to be 503 for ever there, stored on sqlite
  it.each(['sqlite', 'postgres'])(
    '%s',
    async (adapter) => {
      const database: Record<string, string> =
        adapter === 'postgres' ? { DATABASE_URL: await freshDatabase() } : {};
      const receiver = await startHarness({ ...database, VALIDATION_MODE: 'strict' });
      try {
        const ignored = await receiver.post('{"event":"lead.\\u0000x"}');
        expect(ignored).toMatchObject({ status: 200, json: { status: 'ignored', deliveryCount: 1 } });
        expect((await receiver.post('{"event":"lead.\\u0000x"}')).json).toMatchObject({
          status: 'duplicate',
          deliveryCount: 2,
        });
        // strict mode: a key the schema does not know, its name holding U+0000
        const body = JSON.stringify({ ...createFakeEvent('lead.created', {}, { seed: 4 }), 'a\u0000b': 1 });
        const rejected = await receiver.post(body);
        expect(rejected.status).toBe(400);
        expect(rejected.json.error.code).toBe('schema_validation_failed');
        expect(JSON.stringify(rejected.json.error.issues)).toContain('a\\u0000b');

        const stored = await receiver.admin(`/events/${rejected.json.id}`);
        expect(stored.json).toMatchObject({
          status: 'rejected',
          issues: rejected.json.error.issues,
          payload: JSON.parse(body),
        });
        const name = await receiver.admin(`/events/${ignored.json.id}`);
        expect(name.json).toMatchObject({ type: 'lead.\ufffdx', payload: { event: 'lead.\u0000x' } });
      } finally {
        await receiver.close();
      }
    },
    30_000,
  );
});

describe('postgres upsert: round trips', () => {
  it('sends new keys and plain duplicates as one statement, and only the rest through the transaction', async () => {
    const url = await freshDatabase();
    const migrated = store(url);
    await migrated.migrate();
    await migrated.close();
    const pool = new Pool({ connectionString: url, max: 2 });
    pool.on('error', () => undefined);
    const statements = vi.spyOn(pool, 'query');
    const connects = vi.spyOn(pool, 'connect');
    // pool.query takes its client through connect() too: the rest are transactions
    const transactions = () => connects.mock.calls.length - statements.mock.calls.length;
    const hour = 3_600_000;
    const t0 = new Date('2026-01-03T00:00:00.000Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const event = (dedupeKey: string, receivedAt: Date, status: NewInboxEvent['status'] = 'received') => ({
      ...newEvent(dedupeKey),
      receivedAt,
      status,
      dedupeWindowMs: hour,
    });
    const fresh = await upsertEvents(pool, [event('a', t0), event('b', t0, 'rejected'), event('c', t0)]);
    expect(fresh.map((result) => result.duplicate)).toEqual([false, false, false]);
    const again = await upsertEvents(pool, [event('a', at(1000)), event('c', at(1000))]);
    expect(again.map((result) => result.deliveryCount)).toEqual([2, 2]);
    expect(statements).toHaveBeenCalledTimes(2);
    expect(transactions()).toBe(0);
    // b was rejected and now passes, c is past its window: those two take the transaction, a does not
    const mixed = await upsertEvents(pool, [
      event('a', at(2000)),
      event('b', at(2000)),
      event('c', at(2 * hour)),
    ]);
    expect(mixed).toMatchObject([
      { id: fresh[0]?.id, deliveryCount: 3, promoted: false },
      { id: fresh[1]?.id, deliveryCount: 2, promoted: true, status: 'received' },
      { duplicate: false, deliveryCount: 1 },
    ]);
    expect(mixed[2]?.id).not.toBe(fresh[2]?.id);
    expect(statements).toHaveBeenCalledTimes(3);
    expect(transactions()).toBe(1);
    await pool.end();
  });
});

describe('postgres upsert: a retry never repeats committed work', () => {
  const issues = [{ path: ['data', 'leadId'], message: 'Required', code: 'invalid_type' }];
  const rejected = (dedupeKey: string): NewInboxEvent => ({
    ...newEvent(dedupeKey),
    status: 'rejected',
    issues,
  });

  /** a promotion (rejected to received) fails with `code`, the first `times` times it is tried */
  async function failPromotions(url: string, code: string, times: number): Promise<void> {
    await sql(url, 'CREATE SEQUENCE promotion_attempts');
    await sql(
      url,
      `CREATE FUNCTION fail_promotion() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF nextval('promotion_attempts') <= TG_ARGV[1]::bigint THEN
           RAISE EXCEPTION 'injected failure' USING ERRCODE = TG_ARGV[0];
         END IF;
         RETURN NEW;
       END $$`,
    );
    await sql(
      url,
      `CREATE TRIGGER fail_promotion BEFORE UPDATE ON inbox_events FOR EACH ROW
       WHEN (OLD.status = 'rejected' AND NEW.status = 'received')
       EXECUTE FUNCTION fail_promotion('${code}', '${times}')`,
    );
  }

  async function storedCounts(replica: InboxStore): Promise<Record<string, number>> {
    const { events } = await replica.list({ limit: 100 });
    return Object.fromEntries(events.map((event) => [event.dedupeKey, event.deliveryCount]));
  }

  // the fast statement commits the new keys and the plain duplicate before the promotions fail
  it.each([
    ['a deadlock: the failed keys run again as a batch', '40P01'],
    ['a refused row: the failed keys run again one by one', '23514'],
  ])(
    'answers each delivery once when the transaction fails once after the fast statement (%s)',
    async (_, code) => {
      const url = await freshDatabase();
      const replica = store(url);
      await replica.migrate();
      const stored = await Promise.all([
        replica.insert(rejected('fixed-1')),
        replica.insert(rejected('fixed-2')),
        replica.insert(newEvent('plain')),
      ]);
      await failPromotions(url, code, 1);
      const results = await Promise.all(
        ['new-1', 'fixed-1', 'plain', 'fixed-2', 'new-2'].map((key) => replica.insert(newEvent(key))),
      );
      expect(results).toMatchObject([
        { duplicate: false, deliveryCount: 1, status: 'received' },
        { id: stored[0]?.id, duplicate: true, deliveryCount: 2, promoted: true, status: 'received' },
        { id: stored[2]?.id, duplicate: true, deliveryCount: 2, promoted: false },
        { id: stored[1]?.id, duplicate: true, deliveryCount: 2, promoted: true, status: 'received' },
        { duplicate: false, deliveryCount: 1, status: 'received' },
      ]);
      expect(await storedCounts(replica)).toEqual({
        'new-1': 1,
        'new-2': 1,
        plain: 2,
        'fixed-1': 2,
        'fixed-2': 2,
      });
      expect(await replica.countByStatus()).toMatchObject({ received: 5, rejected: 0 });
      await replica.close();
    },
  );

  it('answers the committed deliveries and fails only the rest when the transaction keeps failing', async () => {
    const url = await freshDatabase();
    const replica = store(url);
    await replica.migrate();
    const [fixed] = await Promise.all([replica.insert(rejected('fixed')), replica.insert(newEvent('plain'))]);
    // lock_not_available, as lock_timeout raises it: the database's state, neither retried nor split
    await failPromotions(url, '55P03', 1000);
    const results = await Promise.allSettled(
      ['new', 'fixed', 'plain'].map((key) => replica.insert(newEvent(key))),
    );
    expect(results[0]).toMatchObject({ status: 'fulfilled', value: { duplicate: false, deliveryCount: 1 } });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: '55P03' } });
    expect(results[2]).toMatchObject({ status: 'fulfilled', value: { duplicate: true, deliveryCount: 2 } });
    expect(await storedCounts(replica)).toEqual({ new: 1, fixed: 1, plain: 2 });
    expect(await replica.get(fixed?.id ?? '')).toMatchObject({ status: 'rejected' });
    await replica.close();
  });

  it('a promotion at one replica and rejected copies of the same keys at another do not deadlock', async () => {
    // replica t promotes hk-a and retires hk-z (past its window) in its transaction while replica f's
    // fast statement counts rejected copies of hk-z, hk-m, hk-a. two sessions stage it: one holds hk-z
    // (key share: the fast statements pass, a transaction's FOR UPDATE waits), one holds hk-m. locking
    // hk-z before hk-a, t would wait on hk-a held by f, which waits on hk-z: 40P01, and t is the one
    // failed, having waited first
    const apps = { t: `head-on-t-${randomUUID().slice(0, 8)}`, f: `head-on-f-${randomUUID().slice(0, 8)}` };
    const url = await freshDatabase();
    const t = store(url, { applicationName: apps.t });
    const f = store(url, { applicationName: apps.f });
    await Promise.all([t.migrate(), f.migrate()]);
    const hour = 3_600_000;
    const t0 = new Date(Date.now() - 3 * hour);
    const windowed = (receivedAt: Date) => ({ ...newEvent('hk-z'), receivedAt, dedupeWindowMs: hour });
    const [oldA, , oldZ] = await Promise.all([
      t.insert(rejected('hk-a')),
      t.insert(newEvent('hk-m')),
      t.insert(windowed(t0)),
    ]);

    const holders = await Promise.all(
      [
        "SELECT 1 FROM inbox_events WHERE active_dedupe_key = 'hk-z' FOR KEY SHARE",
        "SELECT 1 FROM inbox_events WHERE active_dedupe_key = 'hk-m' FOR UPDATE",
      ].map(async (lock) => {
        const holder = new Client({ connectionString: url });
        holder.on('error', () => undefined);
        await holder.connect();
        await holder.query('BEGIN');
        await holder.query(lock);
        return holder;
      }),
    );
    const [zHolder, mHolder] = holders as [Client, Client];
    const waiting = async (app: string, blockedBy?: string) => {
      const [row] = await sql<{ n: number }>(
        url,
        `SELECT count(*)::integer AS n FROM pg_stat_activity AS w
         WHERE w.application_name = $1 AND w.wait_event_type = 'Lock'
           AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM pg_stat_activity AS b
             WHERE b.application_name = $2 AND b.pid = ANY (pg_blocking_pids(w.pid))))`,
        [app, blockedBy ?? null],
      );
      return (row?.n ?? 0) > 0;
    };

    let tSettled = false;
    const tResults = Promise.all([
      t.insert(newEvent('hk-n')),
      t.insert(newEvent('hk-a')),
      t.insert(windowed(new Date(t0.getTime() + 2 * hour))),
    ]).finally(() => {
      tSettled = true;
    });
    await vi.waitFor(async () => expect(await waiting(apps.t)).toBe(true), { timeout: 5000, interval: 20 });
    const fResults = Promise.all(['hk-z', 'hk-m', 'hk-a'].map((key) => f.insert(rejected(key))));
    await vi.waitFor(async () => expect(await waiting(apps.f)).toBe(true), { timeout: 5000, interval: 20 });
    await zHolder.query('ROLLBACK');
    // t either finishes or waits on f; the hk-m holder goes then, within the deadlock timeout
    await vi.waitFor(async () => expect(tSettled || (await waiting(apps.t, apps.f))).toBe(true), {
      timeout: 5000,
      interval: 20,
    });
    await mHolder.query('ROLLBACK');
    await Promise.all(holders.map((holder) => holder.end()));

    const [n, a, z] = await tResults;
    expect(n).toMatchObject({ duplicate: false, deliveryCount: 1 });
    expect(a).toMatchObject({
      id: oldA?.id,
      duplicate: true,
      deliveryCount: 2,
      promoted: true,
      status: 'received',
    });
    expect(z).toMatchObject({ duplicate: false, deliveryCount: 1 });
    expect(z?.id).not.toBe(oldZ?.id);
    const [fz, fm, fa] = await fResults;
    // f ran after t's transaction: its copies count on the promoted row and on the new hk-z row
    expect(fa).toMatchObject({ id: oldA?.id, deliveryCount: 3, status: 'received' });
    expect(fm).toMatchObject({ duplicate: true, deliveryCount: 2 });
    expect(fz).toMatchObject({ id: z?.id, deliveryCount: 2 });
    const { events } = await t.list({ limit: 10 });
    expect(events.map((event) => [event.dedupeKey, event.deliveryCount]).sort()).toEqual([
      ['hk-a', 3],
      ['hk-m', 2],
      ['hk-n', 1],
      ['hk-z', 1],
      ['hk-z', 2],
    ]);
    await Promise.all([t.close(), f.close()]);
  }, 30_000);
});

describe('postgres inbox store: pool and outages', () => {
  it('never opens more connections than poolMax', async () => {
    const url = await freshDatabase();
    const applicationName = `pool-${randomUUID().slice(0, 8)}`;
    const bounded = store(url, { poolMax: 2, applicationName, groupCommit: false });
    await bounded.migrate();
    let peak = 0;
    const watching = (async () => {
      for (let i = 0; i < 20; i += 1) {
        const [row] = await sql<{ n: number }>(
          url,
          'SELECT count(*)::integer AS n FROM pg_stat_activity WHERE application_name = $1',
          [applicationName],
        );
        peak = Math.max(peak, row?.n ?? 0);
      }
    })();
    await Promise.all(Array.from({ length: 200 }, (_, n) => bounded.insert(newEvent(`bounded-${n}`))));
    await watching;
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(2);
    expect((await bounded.countByStatus()).received).toBe(200);
    await bounded.close();
  });

  it('has a statement blocked on a lock cancelled by the server, so its connections stay within poolMax', async () => {
    const url = await freshDatabase();
    const applicationName = `blocked-${randomUUID().slice(0, 8)}`;
    const poolMax = 2;
    const blocked = store(url, { poolMax, applicationName, queryTimeoutMs: 300, groupCommit: false });
    await blocked.migrate();
    await blocked.insert(newEvent('locked'));
    // another session holds the row every delivery of the key must update
    const holder = new Client({ connectionString: url });
    holder.on('error', () => undefined);
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query("SELECT 1 FROM inbox_events WHERE dedupe_key = 'locked' FOR UPDATE");
    const connections = () =>
      sql<{ n: number; waiting: number }>(
        url,
        `SELECT count(*)::integer AS n, count(*) FILTER (WHERE wait_event_type = 'Lock')::integer AS waiting
         FROM pg_stat_activity WHERE application_name = $1`,
        [applicationName],
      );
    let peak = 0;
    let settled = false;
    const watching = (async () => {
      while (!settled) peak = Math.max(peak, (await connections())[0]?.n ?? 0);
    })();
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => blocked.insert(newEvent('locked'))),
    );
    settled = true;
    await watching;
    // refused by the server (lock_timeout or statement_timeout), not abandoned by the client
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect(result.status === 'rejected' && String(result.reason.code)).toMatch(/^(55P03|57014)$/);
    }
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(poolMax);
    expect((await connections())[0]?.waiting).toBe(0);
    await holder.query('ROLLBACK');
    await holder.end();
    expect(await blocked.insert(newEvent('locked'))).toMatchObject({ duplicate: true, deliveryCount: 2 });
    await blocked.close();
  });

  it('answers 503 while the database is unreachable and recovers without a new store', async () => {
    const url = new URL(await freshDatabase());
    const gate = await openTcpGate({ host: url.hostname, port: Number(url.port) });
    const gated = new URL(url);
    gated.port = String(gate.port);
    const lost: Error[] = [];
    const outage = store(gated.toString(), {
      connectionTimeoutMs: 1000,
      onConnectionError: (error) => lost.push(error),
    });
    await outage.migrate();
    await outage.insert(newEvent('before'));

    gate.cut();
    // the idle connection the cut broke is reported, not thrown at the process
    await vi.waitFor(() => expect(lost.length).toBeGreaterThan(0), { timeout: 5000, interval: 20 });
    await expect(outage.ping()).rejects.toThrow();
    await expect(outage.insert(newEvent('during'))).rejects.toThrow();
    const ingest = await ingestDelivery(
      {
        store: outage,
        validationMode: 'lenient',
        dedupeKey: () => 'during-ingest',
      },
      {
        headers: { 'content-type': 'application/json', 'x-webhook-secret': 's' },
        rawBody: Buffer.from('{"event":"lead.created","data":{"leadId":"l1"}}'),
      },
    );
    expect(ingest.code).toBe('store_unavailable');
    expect(INGEST_RESPONSES[ingest.code].status).toBe(503);

    gate.restore();
    await vi.waitFor(() => outage.ping(), { timeout: 5000, interval: 50 });
    expect(await outage.insert(newEvent('after'))).toMatchObject({ duplicate: false });
    const keys = (await outage.list({ limit: 10 })).events.map((event) => event.dedupeKey);
    expect(keys).toEqual(['after', 'before']);
    await outage.close();
    await gate.close();
  });

  it('survives its backends being terminated and goes on with new connections', async () => {
    const url = await freshDatabase();
    const applicationName = `terminated-${randomUUID().slice(0, 8)}`;
    const lost: Error[] = [];
    const survivor = store(url, { applicationName, onConnectionError: (error) => lost.push(error) });
    await survivor.migrate();
    await Promise.all(Array.from({ length: 8 }, (_, n) => survivor.insert(newEvent(`warm-${n}`))));
    const [terminated] = await sql<{ n: number }>(
      url,
      'SELECT count(pg_terminate_backend(pid))::integer AS n FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    expect(terminated?.n).toBeGreaterThan(0);
    await vi.waitFor(() => expect(lost.length).toBeGreaterThan(0), { timeout: 5000, interval: 20 });
    await vi.waitFor(() => survivor.ping(), { timeout: 5000, interval: 50 });
    expect(await survivor.insert(newEvent('after-terminate'))).toMatchObject({ duplicate: false });
    await survivor.close();
  });

  it('is what openInboxStore gives for postgres:// and postgresql:// URLs, migrated', async () => {
    const url = await freshDatabase();
    for (const scheme of ['postgres:', 'postgresql:']) {
      const opened = await openInboxStore(url.replace(/^postgres:/, scheme), { poolMax: 2 });
      await expect(opened.ping()).resolves.toBeUndefined();
      expect(await opened.countByStatus()).toMatchObject({ received: 0 });
      await opened.close();
    }
    await expect(openInboxStore('mysql://u:secret@db/x')).rejects.toThrow(/^(?!.*secret).*scheme: mysql/);
  });

  it('answers 503 over http while postgres is unreachable, then stores and processes again without a restart', async () => {
    const url = new URL(await freshDatabase());
    const gate = await openTcpGate({ host: url.hostname, port: Number(url.port) });
    url.port = String(gate.port);
    // a completion the cut swallows (the first event's handler runs just as it comes) leaves the event
    // to its lease: a short one lets it run again within this test
    const receiver = await startHarness({
      DATABASE_URL: url.toString(),
      DATABASE_POOL_MAX: '3',
      HANDLER_LEASE_MS: '1000',
    });
    try {
      const before = JSON.stringify(createFakeEvent('lead.created', {}, { seed: 1 }));
      const during = JSON.stringify(createFakeEvent('lead.created', {}, { seed: 2 }));
      expect((await receiver.post(before)).json).toMatchObject({ status: 'accepted', deliveryCount: 1 });

      gate.cut();
      const refused = await receiver.post(during);
      expect(refused.status).toBe(503);
      expect(refused.json).toMatchObject({ error: { code: 'store_unavailable' } });
      expect((await receiver.admin('/readyz')).status).toBe(503);

      gate.restore();
      await vi.waitFor(async () => expect((await receiver.admin('/readyz')).status).toBe(200), {
        timeout: 10_000,
        interval: 50,
      });
      // the sender's retry of the refused delivery, and a redelivery of the first one
      expect((await receiver.post(during)).json).toMatchObject({ status: 'accepted', deliveryCount: 1 });
      expect((await receiver.post(before)).json).toMatchObject({ status: 'duplicate', deliveryCount: 2 });
      // the worker, which failed its claims meanwhile, goes on by itself
      await vi.waitFor(
        async () => {
          const { json } = await receiver.admin('/events?status=processed');
          expect(json.events).toHaveLength(2);
        },
        { timeout: 10_000, interval: 50 },
      );
    } finally {
      await receiver.close();
      await gate.close();
    }
  }, 30_000);
});
