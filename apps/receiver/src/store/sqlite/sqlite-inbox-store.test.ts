import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openSqlite } from '@omni-webhooks/sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { describeInboxStore } from '../inbox-store.contract.js';
import { openInboxStore } from '../open-inbox-store.js';
import { createSqliteInboxStore } from './sqlite-inbox-store.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';
import { COMPLETE_ALL_SQL } from './sqlite-statements.js';

const dir = mkdtempSync(join(tmpdir(), 'receiver-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeInboxStore('sqlite (file, group commit)', async () =>
  createSqliteInboxStore({ filename: join(dir, `group-${n++}`, 'inbox.sqlite') }),
);
describeInboxStore('sqlite (memory, one transaction per insert)', async () =>
  createSqliteInboxStore({ filename: ':memory:', groupCommit: false }),
);

describe('sqlite inbox store', () => {
  it('keeps events across a reopen of the file', async () => {
    const filename = join(dir, 'reopen', 'inbox.sqlite');
    const first = createSqliteInboxStore({ filename });
    await first.migrate();
    const { id } = await first.insert({
      dedupeKey: 'k',
      type: 'lead.created',
      status: 'received',
      payload: '{}',
      receivedAt: new Date(),
    });
    await first.close();
    const second = createSqliteInboxStore({ filename });
    await second.migrate();
    expect((await second.get(id))?.dedupeKey).toBe('k');
    await second.close();
  });

  it("releases a previous run's leases when a worker starts, so its events run at once", async () => {
    const filename = join(dir, 'leases', 'inbox.sqlite');
    const crashed = createSqliteInboxStore({ filename });
    await crashed.migrate();
    const event = {
      type: 'lead.created',
      status: 'received',
      payload: '{}',
      receivedAt: new Date(),
    } as const;
    const { id } = await crashed.insert({ ...event, dedupeKey: 'leased' });
    await crashed.insert({ ...event, dedupeKey: 'free' });
    expect(await crashed.claim({ limit: 1, leaseMs: 60_000 })).toHaveLength(1);
    await crashed.close();
    const restarted = createSqliteInboxStore({ filename });
    await restarted.migrate();
    expect(await restarted.releaseOrphanedLeases()).toBe(1);
    const claimed = await restarted.claim({ limit: 10, leaseMs: 60_000 });
    expect(claimed.map((row) => row.id)).toContain(id);
    expect(claimed).toHaveLength(2);
    await restarted.close();
  });

  it('leases a new event at insert when asked; a restart releases that lease like a claimed one', async () => {
    const filename = join(dir, 'handoff', 'inbox.sqlite');
    const crashed = createSqliteInboxStore({ filename });
    await crashed.migrate();
    const event = {
      type: 'lead.created',
      status: 'received',
      payload: '{"event":"lead.created"}',
      receivedAt: new Date(),
    } as const;
    const leased = await crashed.insert({ ...event, dedupeKey: 'handed-over', leaseMs: 60_000 });
    const plain = await crashed.insert({ ...event, dedupeKey: 'plain' });
    expect(leased.claimed).toEqual({
      id: leased.id,
      type: 'lead.created',
      payload: '{"event":"lead.created"}',
      handlerAttempts: 1,
      leaseToken: expect.any(String),
    });
    expect(plain.claimed).toBeUndefined();
    expect(await crashed.claim({ limit: 10, leaseMs: 60_000 })).toMatchObject([{ id: plain.id }]);
    await crashed.close();
    const restarted = createSqliteInboxStore({ filename });
    await restarted.migrate();
    expect(await restarted.releaseOrphanedLeases()).toBe(2);
    // the handed-over event's attempt counts, as a claimed one's would
    expect(await restarted.claim({ limit: 10, leaseMs: 60_000 })).toMatchObject([
      { id: leased.id, handlerAttempts: 2 },
      { id: plain.id, handlerAttempts: 2 },
    ]);
    await restarted.close();
  });

  it('upgrades a version-1 file in place, keeping its rows and their dedupe', async () => {
    const filename = join(dir, 'v1', 'inbox.sqlite');
    mkdirSync(dirname(filename), { recursive: true });
    const v1 = openSqlite(filename);
    v1.exec(SQLITE_MIGRATIONS[0] ?? '');
    v1.pragma('user_version = 1');
    v1.prepare(
      `INSERT INTO inbox_events (id, dedupe_key, type, status, payload, received_at, last_delivery_at, available_at)
       VALUES ('v1-row', 'old-key', 'lead.created', 'received', '{}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 0)`,
    ).run();
    v1.close();
    const upgraded = createSqliteInboxStore({ filename });
    await upgraded.migrate();
    const again = await upgraded.insert({
      dedupeKey: 'old-key',
      type: 'lead.created',
      status: 'received',
      payload: '{}',
      receivedAt: new Date('2026-01-01T00:01:00.000Z'),
    });
    expect(again).toMatchObject({ id: 'v1-row', duplicate: true, deliveryCount: 2 });
    expect(await upgraded.claim({ limit: 10, leaseMs: 1000 })).toMatchObject([{ id: 'v1-row' }]);
    await upgraded.close();
  });

  it('completes an event once when two completions of it arrive together, in the order of the writes', async () => {
    const store = createSqliteInboxStore({ filename: join(dir, 'twice', 'inbox.sqlite') });
    await store.migrate();
    const event = {
      type: 'lead.created',
      status: 'received',
      payload: '{}',
      receivedAt: new Date(),
    } as const;
    const a = await store.insert({ ...event, dedupeKey: 'a' });
    const b = await store.insert({ ...event, dedupeKey: 'b' });
    const claimed = await store.claim({ limit: 2, leaseMs: 60_000 });
    const token = claimed[0]?.leaseToken ?? '';
    // one claim, one token; the renewal queued between the completions still finds b leased
    expect(
      await Promise.all([
        store.complete(a.id, token),
        store.renewLease(b.id, token, 60_000),
        store.complete(b.id, token),
        store.complete(b.id, token),
      ]),
    ).toEqual([true, true, true, false]);
    expect((await store.get(b.id))?.status).toBe('processed');
    await store.close();
  });

  it('keeps no body hash for a row keyed by its own, and still finds that body under any key', async () => {
    const filename = join(dir, 'own-hash', 'inbox.sqlite');
    const store = createSqliteInboxStore({ filename });
    await store.migrate();
    const hour = 3_600_000;
    const t0 = new Date('2026-01-05T00:00:00.000Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const unsigned = (key: string, receivedAt: Date, status: 'received' | 'rejected' = 'received') => ({
      dedupeKey: key,
      type: 'lead.created',
      status,
      payload: '{}',
      receivedAt,
      dedupeWindowMs: hour,
      bodyHash: { key, windowMs: hour },
    });
    const plain = await store.insert(unsigned('sha256:own', t0));
    const signed = await store.insert({
      ...unsigned('webhook-id:m1', at(1000)),
      dedupeWindowMs: undefined,
      bodyHash: { key: 'sha256:own', windowMs: hour },
    });
    expect(signed).toMatchObject({ id: plain.id, duplicate: true, deliveryCount: 2 });
    // stored rejected under its own hash, then valid: promoted, not stored twice
    const rejected = await store.insert(unsigned('sha256:fixed', t0, 'rejected'));
    expect(await store.insert(unsigned('sha256:fixed', at(1000)))).toMatchObject({
      id: rejected.id,
      promoted: true,
      deliveryCount: 2,
    });
    // a row written with its body hash, as versions before this one did, dedupes alike
    const old = await store.insert(unsigned('sha256:old', t0));
    await store.close();
    const db = openSqlite(filename);
    const hashes = db
      .prepare<[], { dedupe_key: string; body_hash: string | null }>(
        'SELECT dedupe_key, body_hash FROM inbox_events ORDER BY seq',
      )
      .all();
    db.prepare<[]>("UPDATE inbox_events SET body_hash = dedupe_key WHERE dedupe_key = 'sha256:old'").run();
    db.close();
    expect(hashes).toEqual([
      { dedupe_key: 'sha256:own', body_hash: null },
      { dedupe_key: 'sha256:fixed', body_hash: null },
      { dedupe_key: 'sha256:old', body_hash: null },
    ]);
    const reopened = createSqliteInboxStore({ filename });
    await reopened.migrate();
    expect(await reopened.insert(unsigned('sha256:old', at(1000)))).toMatchObject({
      id: old.id,
      duplicate: true,
    });
    expect(
      await reopened.insert({
        ...unsigned('webhook-id:m2', at(2000)),
        dedupeWindowMs: undefined,
        bodyHash: { key: 'sha256:old', windowMs: hour },
      }),
    ).toMatchObject({ id: old.id, duplicate: true, deliveryCount: 3 });
    // past the window, a new row; its predecessor's key retired
    expect(await reopened.insert(unsigned('sha256:own', at(hour + 1)))).toMatchObject({ duplicate: false });
    await reopened.close();
  });

  it('completes a batch by looking each id up, never by walking the received rows', async () => {
    const filename = join(dir, 'plan', 'inbox.sqlite');
    await (async () => {
      const store = createSqliteInboxStore({ filename });
      await store.migrate();
      await store.close();
    })();
    const db = openSqlite(filename);
    const plan = db
      .prepare<[string], { detail: string }>(`EXPLAIN QUERY PLAN ${COMPLETE_ALL_SQL}`)
      .all('[]')
      .map((row) => row.detail);
    db.close();
    expect(plan[0]).toMatch(/^SCAN json_each/);
    expect(plan[1]).toMatch(/^SEARCH inbox_events USING INDEX \S+ \(id=\?\)$/);
  });

  it('rejects inserts once closed', async () => {
    const store = createSqliteInboxStore({ filename: ':memory:' });
    await store.migrate();
    await store.close();
    await expect(store.ping()).rejects.toThrow(/closed/);
  });

  it('opens the file a file: DATABASE_URL names, its query left out', async () => {
    const filename = join(dir, 'by-url', 'inbox.sqlite');
    const store = await openInboxStore(`file:${filename}?mode=rwc`);
    await store.ping();
    await store.close();
    expect(existsSync(filename)).toBe(true);
    expect(existsSync(`${filename}?mode=rwc`)).toBe(false);
  });
});
