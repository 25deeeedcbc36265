import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '@omni-webhooks/sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { startWalCheckpointer } from './wal-checkpointer.js';

const dir = mkdtempSync(join(tmpdir(), 'receiver-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('startWalCheckpointer', () => {
  it('copies committed wal frames into the database from its thread while the writer never checkpoints', async () => {
    const filename = join(dir, 'inbox.sqlite');
    const writer = openSqlite(filename);
    writer.pragma('journal_mode = WAL');
    writer.pragma('wal_autocheckpoint = 0');
    writer.exec('CREATE TABLE t (v TEXT)');
    const insert = writer.prepare('INSERT INTO t (v) VALUES (?)');
    writer.transaction(() => {
      for (let i = 0; i < 500; i += 1) insert.run('x'.repeat(1000));
    })();
    const before = statSync(filename).size;
    const errors: string[] = [];
    const checkpointer = startWalCheckpointer(filename, { intervalMs: 10, onError: (e) => errors.push(e) });
    await expect.poll(() => statSync(filename).size, { timeout: 3000 }).toBeGreaterThan(before + 400_000);
    // the writer goes on committing while the thread runs
    insert.run('after');
    await checkpointer.close();
    expect(errors).toEqual([]);
    expect(writer.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 501 });
    writer.close();
  });

  it('reports a database it cannot open, without throwing in the caller', async () => {
    const errors: string[] = [];
    const checkpointer = startWalCheckpointer(join(dir, 'missing', 'inbox.sqlite'), {
      intervalMs: 10,
      onError: (e) => errors.push(e),
    });
    await expect.poll(() => errors.length).toBe(1);
    expect(errors[0]).toMatch(/unable to open|directory does not exist/i);
    await checkpointer.close();
  });
});
