import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite, type SqliteDatabase } from './sqlite-driver.js';

const dir = mkdtempSync(join(tmpdir(), 'omni-sqlite-driver-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let db: SqliteDatabase;
beforeEach(() => {
  db = openSqlite(':memory:');
  db.exec("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT); INSERT INTO t VALUES (1, 'x'), (2, 'y');");
  return () => db.close();
});

describe('openSqlite', () => {
  it('returns rows with their columns only', () => {
    expect(db.prepare('SELECT a, b FROM t WHERE a = ?').get(1)).toEqual({ a: 1, b: 'x' });
    expect(Object.keys(db.prepare('SELECT a, b FROM t ORDER BY a').get() ?? {})).toEqual(['a', 'b']);
    expect(db.prepare('SELECT a FROM t ORDER BY a').all()).toEqual([{ a: 1 }, { a: 2 }]);
    expect(db.prepare('SELECT a FROM t WHERE a = 99').get()).toBeUndefined();
  });

  it('binds a lone null or buffer by position, named parameters from an object', () => {
    expect(db.prepare('SELECT ? AS v').get(null)).toEqual({ v: null });
    expect(db.prepare('SELECT ? AS v').get(Buffer.from('ab'))).toEqual({ v: Buffer.from('ab') });
    expect(db.prepare('SELECT @n AS v').get({ n: 7 })).toEqual({ v: 7 });
  });

  it('refuses a boolean parameter with an error instead of aborting the process', () => {
    expect(() => db.prepare('SELECT ? AS v').get(true)).toThrow(TypeError);
  });

  it('counts changes, and refuses run() of a statement that returns rows', () => {
    expect(db.prepare("UPDATE t SET b = 'z'").run().changes).toBe(2);
    expect(() => db.prepare("UPDATE t SET b = 'q' RETURNING a").run()).toThrow(/get\(\) or all\(\)/);
    expect(db.prepare("UPDATE t SET b = 'q' WHERE a = 1 RETURNING a, b").get()).toEqual({ a: 1, b: 'q' });
  });

  it("keeps better-sqlite3's page cache and busy timeout", () => {
    expect(db.pragma('cache_size', { simple: true })).toBe(-16000);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('answers a simple pragma with its value', () => {
    db.pragma('user_version = 3');
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    expect(db.pragma('user_version')).toEqual([{ user_version: 3 }]);
  });

  it('commits, rolls back on a throw, and nests through savepoints', () => {
    const insert = db.prepare<[number]>('INSERT INTO t (a) VALUES (?)');
    const count = () => db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM t').get()?.n;
    db.transaction(() => insert.run(3))();
    expect(count()).toBe(3);
    expect(() =>
      db.transaction(() => {
        insert.run(4);
        throw new Error('boom');
      })(),
    ).toThrow('boom');
    expect(count()).toBe(3);
    db.transaction(() => {
      insert.run(5);
      expect(() =>
        db.transaction(() => {
          insert.run(6);
          throw new Error('inner');
        })(),
      ).toThrow('inner');
      expect(db.inTransaction).toBe(true);
    }).immediate();
    expect(db.prepare('SELECT a FROM t WHERE a > 3').all()).toEqual([{ a: 5 }]);
    expect(db.inTransaction).toBe(false);
  });

  it('refuses statements and transactions once closed, with an error instead of aborting the process', () => {
    const insert = db.prepare<[number]>('INSERT INTO t (a) VALUES (?)');
    const select = db.prepare('SELECT a FROM t');
    db.close();
    expect(() => insert.run(9)).toThrow(/not open/);
    expect(() => select.get()).toThrow(/not open/);
    expect(() => select.all()).toThrow(/not open/);
    expect(() => db.transaction(() => undefined)()).toThrow(/not open/);
    expect(() => db.prepare('SELECT 1')).toThrow(/not open/);
    expect(db.inTransaction).toBe(false);
  });

  it('opens a file read-only for a second connection', () => {
    const filename = join(dir, 'readonly.sqlite');
    const writer = openSqlite(filename);
    writer.pragma('journal_mode = WAL');
    writer.exec('CREATE TABLE t (v TEXT)');
    const reader = openSqlite(filename, { readonly: true });
    expect(() => reader.exec("INSERT INTO t VALUES ('no')")).toThrow(/readonly|query_only/i);
    writer.exec("INSERT INTO t VALUES ('yes')");
    expect(reader.prepare('SELECT v FROM t').all()).toEqual([{ v: 'yes' }]);
    reader.close();
    writer.close();
  });
});
