import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '@omni-webhooks/sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from './database.js';
import { WriteBatcher } from './write-batcher.js';

let dir: string;
let db: SqliteDatabase;
// a second connection sees only what is committed
let reader: SqliteDatabase;

const committed = () => (reader.prepare('SELECT count(*) AS n FROM log').get() as { n: number }).n;
const rows = () => reader.prepare('SELECT delivery, step FROM log ORDER BY seq').all();

function append(delivery: string, step: string): () => void {
  return () => {
    db.prepare('INSERT INTO log (delivery, step) VALUES (?, ?)').run(delivery, step);
  };
}

beforeEach(() => {
  dir = join(tmpdir(), `omni-batcher-${process.pid}-${Math.random().toString(36).slice(2)}`);
  db = openDatabase(`file:${join(dir, 'sender.sqlite')}`);
  db.exec(`CREATE TABLE log (seq INTEGER PRIMARY KEY, delivery TEXT NOT NULL, step TEXT NOT NULL,
    UNIQUE (delivery, step))`);
  reader = openSqlite(join(dir, 'sender.sqlite'), { readonly: true });
});
afterEach(() => {
  reader.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('write batcher', () => {
  it('commits writes queued in the same tick in one transaction, resolving each caller after it', async () => {
    const batcher = new WriteBatcher(db);
    const seenByReader: number[] = [];
    const seenByWriter: number[] = [];
    const writes = ['a', 'b', 'c', 'd'].map((delivery) =>
      batcher.run(() => {
        append(delivery, 'begin')();
        seenByWriter.push((db.prepare('SELECT count(*) AS n FROM log').get() as { n: number }).n);
        seenByReader.push(committed());
      }),
    );
    // nothing runs before the flush
    expect(committed()).toBe(0);
    expect(seenByWriter).toEqual([]);
    const committedWhenResolved = await Promise.all(writes.map((write) => write.then(committed)));
    // each write ran after the previous ones inside one open transaction: none was committed alone
    expect(seenByWriter).toEqual([1, 2, 3, 4]);
    expect(seenByReader).toEqual([0, 0, 0, 0]);
    expect(committedWhenResolved).toEqual([4, 4, 4, 4]);
  });

  it('fails only the caller whose write throws, rolling back all of that write and committing the rest', async () => {
    const batcher = new WriteBatcher(db);
    await batcher.run(append('x', 'begin'));
    const results = await Promise.allSettled([
      batcher.run(append('a', 'begin')),
      // two statements: the first succeeds, the second breaks the unique key
      batcher.run(() => {
        append('b', 'begin')();
        append('x', 'begin')();
      }),
      batcher.run(append('c', 'begin')),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[1]).toMatchObject({ reason: { code: 'SQLITE_CONSTRAINT_UNIQUE' } });
    expect(rows()).toEqual([
      { delivery: 'x', step: 'begin' },
      { delivery: 'a', step: 'begin' },
      { delivery: 'c', step: 'begin' },
    ]);
  });

  it('gives a lone failing write its error', async () => {
    const batcher = new WriteBatcher(db);
    const failing = batcher.run(() => {
      throw new Error('statement failed');
    });
    await expect(failing).rejects.toThrow('statement failed');
    await expect(batcher.run(append('a', 'begin'))).resolves.toBeUndefined();
    expect(committed()).toBe(1);
  });

  it('keeps the call order of writes, within a batch and across batches', async () => {
    const batcher = new WriteBatcher(db);
    // each delivery begins, then finishes once its begin is committed, as the engine does
    const deliver = async (delivery: string) => {
      await batcher.run(append(delivery, 'begin'));
      await batcher.run(append(delivery, 'finish'));
    };
    await Promise.all([deliver('a'), deliver('b'), deliver('c')]);
    expect(rows()).toEqual([
      { delivery: 'a', step: 'begin' },
      { delivery: 'b', step: 'begin' },
      { delivery: 'c', step: 'begin' },
      { delivery: 'a', step: 'finish' },
      { delivery: 'b', step: 'finish' },
      { delivery: 'c', step: 'finish' },
    ]);
  });

  it('commits each write alone and at once without gathering', async () => {
    const batcher = new WriteBatcher(db, { gather: false });
    const first = batcher.run(append('a', 'begin'));
    expect(committed()).toBe(1);
    await first;
    await expect(batcher.run(append('a', 'begin'))).rejects.toMatchObject({
      code: 'SQLITE_CONSTRAINT_UNIQUE',
    });
    expect(committed()).toBe(1);
  });
});
