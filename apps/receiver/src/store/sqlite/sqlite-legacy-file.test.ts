import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteInboxStore } from './sqlite-inbox-store.js';

// written by the receiver when it used better-sqlite3 12 (scripts/legacy-sqlite-fixtures.mjs), copied
// with its wal while open: its rows are only in the wal, as after a crash
const legacy = fileURLToPath(new URL('../test-support/legacy/inbox.sqlite', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'receiver-legacy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sqlite inbox written by the previous binding (better-sqlite3)', () => {
  it('opens with its rows, their states and dedupe, and takes new writes', async () => {
    const filename = join(dir, 'inbox.sqlite');
    copyFileSync(legacy, filename);
    copyFileSync(`${legacy}-wal`, `${filename}-wal`);
    const store = createSqliteInboxStore({ filename });
    await store.migrate();
    expect(await store.countByStatus()).toEqual({
      received: 1,
      processed: 1,
      rejected: 1,
      failed: 0,
      ignored: 0,
    });
    const page = await store.list({ limit: 10, includePayload: true });
    expect(page.events.map((event) => [event.dedupeKey, event.status, event.payload])).toEqual([
      ['legacy-2', 'rejected', '{"event":"document.received","n":2}'],
      ['legacy-1', 'received', '{"event":"document.received","n":1}'],
      ['legacy-0', 'processed', '{"event":"document.received","n":0}'],
    ]);
    const again = await store.insert({
      dedupeKey: 'legacy-1',
      type: 'document.received',
      status: 'received',
      payload: '{}',
      receivedAt: new Date('2026-11-01T00:00:05.000Z'),
    });
    expect(again).toMatchObject({ duplicate: true, deliveryCount: 2 });
    expect(await store.claim({ limit: 10, leaseMs: 1000 })).toMatchObject([{ id: again.id }]);
    await store.close();
    const reopened = createSqliteInboxStore({ filename });
    await reopened.migrate();
    expect((await reopened.get(again.id))?.deliveryCount).toBe(2);
    await reopened.close();
  });
});
