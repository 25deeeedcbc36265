import { InvalidCursorError } from './store-errors.js';

// lists page by `seq`, the insertion order both adapters keep: a page asks for one row more than its
// limit, and that row's presence says whether a next page exists. the cursor is the last seq shown,
// opaque to callers

export function encodeCursor(sequence: number): string {
  return Buffer.from(`s:${sequence}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const match = /^s:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1]) throw new InvalidCursorError();
  return Number(match[1]);
}

/** how an adapter writes its nth bound parameter: `?` (sqlite) or `$n` (postgres) */
export type Placeholder = (position: number) => string;

/** a filter: the sql before its parameter (`type =`) and the value; undefined filters are left out */
export type Filter = readonly [condition: string, value: unknown] | undefined;

export interface BoundQuery {
  sql: string;
  params: unknown[];
}

/** `SELECT …` with its filters joined by AND, then `tail` (which may bind more values with `bind`) */
export function filteredQuery(
  select: string,
  filters: readonly Filter[],
  placeholder: Placeholder,
  tail: (bind: (value: unknown) => string) => string,
): BoundQuery {
  const params: unknown[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return placeholder(params.length);
  };
  const where = filters.flatMap((filter) => (filter ? [`${filter[0]} ${bind(filter[1])}`] : []));
  const sql = `${select} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ${tail(bind)}`;
  return { sql, params };
}

export interface KeysetOptions {
  /** `SELECT columns FROM table` */
  select: string;
  filters: readonly Filter[];
  /** newest first (event lists) or oldest first (exports) */
  order: 'newest' | 'oldest';
  cursor?: string | undefined;
  limit: number;
  placeholder: Placeholder;
}

/** one page of rows after `cursor` in `order`, with the one row more that tells a next page exists */
export function keysetQuery({
  select,
  filters,
  order,
  cursor,
  limit,
  placeholder,
}: KeysetOptions): BoundQuery {
  const after: Filter =
    cursor === undefined ? undefined : [order === 'newest' ? 'seq <' : 'seq >', decodeCursor(cursor)];
  return filteredQuery(
    select,
    [...filters, after],
    placeholder,
    (bind) => `ORDER BY seq${order === 'newest' ? ' DESC' : ''} LIMIT ${bind(limit + 1)}`,
  );
}

/** the page of a keyset query's rows: at most `limit`, and a cursor when more follow */
export function keysetPage<Row extends { seq: number | string }, Item>(
  rows: readonly Row[],
  limit: number,
  toItem: (row: Row) => Item,
): { events: Item[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    events: page.map(toItem),
    nextCursor: rows.length > limit && last ? encodeCursor(Number(last.seq)) : null,
  };
}
