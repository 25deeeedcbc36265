import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeFeedAndRetention } from '../feed-and-retention.contract.js';
import { createSqliteInboxStore } from './sqlite-inbox-store.js';

const dir = mkdtempSync(join(tmpdir(), 'receiver-feed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeFeedAndRetention('sqlite (file, group commit)', async () =>
  createSqliteInboxStore({ filename: join(dir, `group-${n++}`, 'inbox.sqlite') }),
);
describeFeedAndRetention('sqlite (memory, one transaction per insert)', async () =>
  createSqliteInboxStore({ filename: ':memory:', groupCommit: false }),
);

describe('sqlite feed', () => {
  it('resumes from a position across a reopen of the file', async () => {
    const filename = join(dir, 'reopen', 'inbox.sqlite');
    const first = createSqliteInboxStore({ filename });
    await first.migrate();
    const base = {
      type: 'lead.created',
      status: 'received',
      payload: '{"event":"lead.created"}',
      receivedAt: new Date(),
    } as const;
    await first.insert({ ...base, dedupeKey: 'a' });
    const [a] = await first.feedEvents({ limit: 10 });
    await first.close();
    const second = createSqliteInboxStore({ filename });
    await second.migrate();
    const { id } = await second.insert({ ...base, dedupeKey: 'b' });
    expect((await second.feedEvents({ after: a?.position, limit: 10 })).map((event) => event.id)).toEqual([
      id,
    ]);
    await second.close();
  });
});
