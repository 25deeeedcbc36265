import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeInboxStore } from './inbox-store.contract.js';
import { sqliteFilenameFromUrl } from './open-inbox-store.js';
import { createSqliteInboxStore } from './sqlite-inbox-store.js';

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

  it('rejects inserts once closed', async () => {
    const store = createSqliteInboxStore({ filename: ':memory:' });
    await store.migrate();
    await store.close();
    await expect(store.ping()).rejects.toThrow(/closed/);
  });

  it('reads file: URLs', () => {
    expect(sqliteFilenameFromUrl('file::memory:')).toBe(':memory:');
    expect(sqliteFilenameFromUrl('file:///tmp/x.sqlite')).toBe('/tmp/x.sqlite');
    expect(sqliteFilenameFromUrl('file:./data/r.sqlite')).toBe(join(process.cwd(), 'data/r.sqlite'));
  });
});
