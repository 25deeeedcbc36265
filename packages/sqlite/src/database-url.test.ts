import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sqliteFilenameFromUrl } from './database-url.js';

describe('sqliteFilenameFromUrl', () => {
  it('keeps file::memory: in memory', () => {
    expect(sqliteFilenameFromUrl('file::memory:')).toBe(':memory:');
  });

  it('reads file:// as a file URL, percent-decoded and without its query', () => {
    expect(sqliteFilenameFromUrl('file:///tmp/x.sqlite')).toBe('/tmp/x.sqlite');
    expect(sqliteFilenameFromUrl('file:///tmp/my%20db.sqlite?mode=ro')).toBe('/tmp/my db.sqlite');
  });

  it('resolves a relative or absolute path against the working directory, dropping a query', () => {
    expect(sqliteFilenameFromUrl('file:./data/r.sqlite')).toBe(join(process.cwd(), 'data/r.sqlite'));
    expect(sqliteFilenameFromUrl('file:data/r.sqlite?cache=shared')).toBe(
      join(process.cwd(), 'data/r.sqlite'),
    );
    expect(sqliteFilenameFromUrl('file:/var/lib/x.sqlite')).toBe('/var/lib/x.sqlite');
  });

  it('refuses another scheme without echoing the URL, and a file: URL without a path', () => {
    expect(() => sqliteFilenameFromUrl('postgres://user:hunter2@db/x')).toThrow('not a file: URL');
    expect(() => sqliteFilenameFromUrl('postgres://user:hunter2@db/x')).not.toThrow(/hunter2/);
    expect(() => sqliteFilenameFromUrl('file:')).toThrow('file: URL without a path');
    expect(() => sqliteFilenameFromUrl('file:?mode=ro')).toThrow('file: URL without a path');
  });
});
