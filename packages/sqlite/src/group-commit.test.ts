import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';
import { openSqlite, type SqliteDatabase } from './sqlite-driver.js';

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
  dir = mkdtempSync(join(tmpdir(), 'omni-group-commit-'));
  db = openSqlite(join(dir, 'db.sqlite'));
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE log (seq INTEGER PRIMARY KEY, delivery TEXT NOT NULL, step TEXT NOT NULL,
    UNIQUE (delivery, step))`);
  reader = openSqlite(join(dir, 'db.sqlite'), { readonly: true });
});
afterEach(() => {
  reader.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GroupCommit', () => {
  it('commits writes queued in the same tick in one transaction, resolving each caller after it', async () => {
    const writes = new GroupCommit(db);
    const seenByReader: number[] = [];
    const seenByWriter: number[] = [];
    const results = ['a', 'b', 'c', 'd'].map((delivery) =>
      writes.run(() => {
        append(delivery, 'begin')();
        seenByWriter.push((db.prepare('SELECT count(*) AS n FROM log').get() as { n: number }).n);
        seenByReader.push(committed());
        return delivery;
      }),
    );
    // nothing runs before the flush
    expect(committed()).toBe(0);
    expect(seenByWriter).toEqual([]);
    const committedWhenResolved = await Promise.all(results.map((write) => write.then(committed)));
    // each write ran after the previous ones inside one open transaction: none was committed alone
    expect(seenByWriter).toEqual([1, 2, 3, 4]);
    expect(seenByReader).toEqual([0, 0, 0, 0]);
    expect(committedWhenResolved).toEqual([4, 4, 4, 4]);
    await expect(Promise.all(results)).resolves.toEqual(['a', 'b', 'c', 'd']);
  });

  it('fails only the caller whose write throws, rolling back all of that write and committing the rest', async () => {
    const writes = new GroupCommit(db);
    await writes.run(append('x', 'begin'));
    const results = await Promise.allSettled([
      writes.run(append('a', 'begin')),
      // two statements: the first succeeds, the second breaks the unique key
      writes.run(() => {
        append('b', 'begin')();
        append('x', 'begin')();
      }),
      writes.run(append('c', 'begin')),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[1]).toMatchObject({ reason: { code: 'SQLITE_CONSTRAINT_UNIQUE' } });
    expect(rows()).toEqual([
      { delivery: 'x', step: 'begin' },
      { delivery: 'a', step: 'begin' },
      { delivery: 'c', step: 'begin' },
    ]);
  });

  it('gives a lone failing write its error without running it again', async () => {
    const writes = new GroupCommit(db);
    let runs = 0;
    const failing = writes.run(() => {
      runs += 1;
      throw new Error('statement failed');
    });
    await expect(failing).rejects.toThrow('statement failed');
    expect(runs).toBe(1);
    await expect(writes.run(append('a', 'begin'))).resolves.toBeUndefined();
    expect(committed()).toBe(1);
  });

  it('keeps the call order of writes, within a batch and across batches', async () => {
    const writes = new GroupCommit(db);
    // each delivery begins, then finishes once its begin is committed
    const deliver = async (delivery: string) => {
      await writes.run(append(delivery, 'begin'));
      await writes.run(append(delivery, 'finish'));
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
    const writes = new GroupCommit(db, { gather: false });
    const first = writes.run(append('a', 'begin'));
    expect(committed()).toBe(1);
    await first;
    await expect(writes.run(append('a', 'begin'))).rejects.toMatchObject({
      code: 'SQLITE_CONSTRAINT_UNIQUE',
    });
    expect(committed()).toBe(1);
  });

  it('answers the writers of a commit only once afterCommit has settled, once per commit', async () => {
    let release: (() => void) | undefined;
    const hooks: number[] = [];
    const writes = new GroupCommit(db, {
      afterCommit: () => {
        hooks.push(committed());
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    let answered = 0;
    const batch = [writes.run(append('a', 'begin')), writes.run(append('b', 'begin'))].map((write) =>
      write.then(() => {
        answered += 1;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    // committed (another connection sees both), not yet answered
    expect(hooks).toEqual([2]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(answered).toBe(0);
    release?.();
    await Promise.all(batch);
    expect(answered).toBe(2);
  });

  it('fails every writer of a commit whose afterCommit rejects', async () => {
    const writes = new GroupCommit(db, { afterCommit: () => Promise.reject(new Error('fsync failed')) });
    const results = await Promise.allSettled([
      writes.run(append('a', 'begin')),
      writes.run(append('b', 'begin')),
    ]);
    expect(results).toEqual([
      { status: 'rejected', reason: new Error('fsync failed') },
      { status: 'rejected', reason: new Error('fsync failed') },
    ]);
    const alone = new GroupCommit(db, {
      gather: false,
      afterCommit: () => Promise.reject(new Error('fsync failed')),
    });
    await expect(alone.run(append('c', 'begin'))).rejects.toThrow('fsync failed');
  });

  it('runs afterCommit after each write alone without gathering, and answers at once when it returns nothing', async () => {
    const seen: number[] = [];
    const writes = new GroupCommit(db, {
      gather: false,
      afterCommit: () => {
        seen.push(committed());
        return undefined;
      },
    });
    await writes.run(append('a', 'begin'));
    await writes.run(append('b', 'begin'));
    expect(seen).toEqual([1, 2]);
  });

  it('flush() commits the queued writes at once', async () => {
    const writes = new GroupCommit(db);
    const queued = writes.run(append('a', 'begin'));
    expect(committed()).toBe(0);
    writes.flush();
    expect(committed()).toBe(1);
    await queued;
    // the scheduled flush finds nothing left
    await new Promise((resolve) => setImmediate(resolve));
    expect(committed()).toBe(1);
  });
});
