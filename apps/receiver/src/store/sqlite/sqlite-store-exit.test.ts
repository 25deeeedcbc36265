// a process whose only work is the store: close() must settle and let node exit on its own. tests keep
// their loop alive, so only a child process shows an unref'd thread leaving close() pending (exit 13)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnNode } from '../../test-support/child-process.js';

// `pnpm test` builds dist first
const storeModule = new URL('../../../dist/store/sqlite/sqlite-inbox-store.js', import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), 'receiver-store-exit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const script = `
import { createSqliteInboxStore } from ${JSON.stringify(storeModule)};
const store = createSqliteInboxStore({ filename: process.env.INBOX_FILE });
await store.migrate();
await store.close();
console.log('closed');
`;

describe('sqlite store close() in a process with nothing else to do', () => {
  it('settles, and node exits with code 0', async () => {
    const run = spawnNode(['--input-type=module', '-e', script], { INBOX_FILE: join(dir, 'inbox.sqlite') });
    const { code } = await run.exited;
    expect({ code, stderr: run.stderr() }).toEqual({ code: 0, stderr: '' });
    expect(await run.waitForLine(/closed/)).toBe('closed');
  }, 15_000);
});
