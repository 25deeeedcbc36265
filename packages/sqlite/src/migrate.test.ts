import { beforeEach, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { openSqlite, type SqliteDatabase } from './sqlite-driver.js';

const MIGRATIONS = [
  'CREATE TABLE a (id INTEGER PRIMARY KEY);',
  'ALTER TABLE a ADD COLUMN name TEXT;',
  'CREATE TABLE b (id INTEGER PRIMARY KEY);',
];

let db: SqliteDatabase;
beforeEach(() => {
  db = openSqlite(':memory:');
  return () => db.close();
});

const version = () => db.pragma('user_version', { simple: true });
const tables = () =>
  db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((row) => row.name);

describe('migrate', () => {
  it('applies every migration to a new file and counts them in user_version', () => {
    expect(migrate(db, MIGRATIONS)).toEqual({ from: 0, to: 3 });
    expect(version()).toBe(3);
    expect(tables()).toEqual(['a', 'b']);
    db.prepare("INSERT INTO a (name) VALUES ('x')").run();
  });

  it('applies only the migrations a file has not had, and nothing on a current one', () => {
    migrate(db, MIGRATIONS.slice(0, 1));
    expect(migrate(db, MIGRATIONS)).toEqual({ from: 1, to: 3 });
    expect(migrate(db, MIGRATIONS)).toEqual({ from: 3, to: 3 });
    expect(tables()).toEqual(['a', 'b']);
  });

  it('leaves the file as it was when a migration fails', () => {
    migrate(db, MIGRATIONS.slice(0, 1));
    expect(() => migrate(db, [...MIGRATIONS, 'CREATE TABLE a (id INTEGER);'])).toThrow(/already exists/);
    expect(version()).toBe(1);
    expect(tables()).toEqual(['a']);
  });

  it('refuses a file a newer release wrote, naming its owner', () => {
    migrate(db, MIGRATIONS);
    expect(() => migrate(db, MIGRATIONS.slice(0, 2), { owner: 'receiver' })).toThrow(
      'database schema version 3 is newer than this receiver (2)',
    );
    expect(version()).toBe(3);
  });
});
