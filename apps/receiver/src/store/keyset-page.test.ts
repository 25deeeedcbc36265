import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, keysetPage, keysetQuery } from './keyset-page.js';
import { InvalidCursorError } from './store-errors.js';

describe('keyset paging', () => {
  it('round-trips a cursor and refuses one it did not make', () => {
    expect(decodeCursor(encodeCursor(42))).toBe(42);
    expect(() => decodeCursor('not-a-cursor')).toThrow(InvalidCursorError);
  });

  it('asks for one row past the limit, after the cursor in the page order, in either placeholder style', () => {
    const newest = keysetQuery({
      select: 'SELECT seq FROM t',
      filters: [['type =', 'a'], undefined],
      order: 'newest',
      cursor: encodeCursor(9),
      limit: 2,
      placeholder: (n) => `$${n}`,
    });
    expect(newest.sql.replace(/\s+/g, ' ').trim()).toBe(
      'SELECT seq FROM t WHERE type = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3',
    );
    expect(newest.params).toEqual(['a', 9, 3]);
    const oldest = keysetQuery({
      select: 'SELECT seq FROM t',
      filters: [],
      order: 'oldest',
      cursor: undefined,
      limit: 5,
      placeholder: () => '?',
    });
    expect(oldest.sql.replace(/\s+/g, ' ').trim()).toBe('SELECT seq FROM t ORDER BY seq LIMIT ?');
    expect(oldest.params).toEqual([6]);
  });

  it('gives a cursor only when the extra row came back', () => {
    const rows = [{ seq: '5' }, { seq: '4' }, { seq: '3' }];
    expect(keysetPage(rows, 2, (row) => row.seq)).toEqual({
      events: ['5', '4'],
      nextCursor: encodeCursor(4),
    });
    expect(keysetPage(rows, 3, (row) => row.seq)).toEqual({ events: ['5', '4', '3'], nextCursor: null });
  });
});
