import { createRequire } from 'node:module';
import Libsql from 'libsql';

/**
 * the one place that knows the sqlite binding, shared by the receiver's inbox and the sender's outbox. libsql ships its binary in a registry package, so
 * installing needs no compiler (better-sqlite3 downloads prebuilds from outside the registry or
 * compiles). its api is better-sqlite3's, with differences this module evens out: get() adds a
 * `_metadata` key to each row, a lone null or buffer parameter is read as named parameters, a
 * boolean parameter aborts the process, run() of a statement that returns rows leaves it running,
 * transactions neither nest nor reuse their statements, pragma({ simple }) returns a row, there is no
 * readonly option, its page cache and busy timeout defaults are smaller, and once closed its statements
 * still run and inTransaction aborts the process.
 */
export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface Statement<Params extends unknown[] = unknown[], Row = unknown> {
  run(...params: Params): RunResult;
  get(...params: Params): Row | undefined;
  all(...params: Params): Row[];
}

// biome-ignore lint/suspicious/noExplicitAny: a transaction passes any function's arguments through
type AnyFunction = (...args: any[]) => unknown;

export interface Transaction<F extends AnyFunction> {
  (...args: Parameters<F>): ReturnType<F>;
  deferred(...args: Parameters<F>): ReturnType<F>;
  immediate(...args: Parameters<F>): ReturnType<F>;
  exclusive(...args: Parameters<F>): ReturnType<F>;
}

export interface SqliteDatabase {
  readonly inTransaction: boolean;
  prepare<Params extends unknown[] = unknown[], Row = unknown>(sql: string): Statement<Params, Row>;
  exec(sql: string): void;
  /** `PRAGMA <source>`: every row, or with `simple` the first column of the first row */
  pragma(source: string, options?: { simple?: boolean }): unknown;
  /** runs `fn` in a transaction; called inside another, it joins it through a savepoint */
  transaction<F extends AnyFunction>(fn: F): Transaction<F>;
  close(): void;
}

export interface OpenOptions {
  /** refuse writes on this connection (`PRAGMA query_only`) */
  readonly?: boolean;
}

/** the file a worker thread requires to open its own connection (resolved here, where libsql is a dependency) */
export const SQLITE_DRIVER_MODULE = createRequire(import.meta.url).resolve('libsql');

type NativeDatabase = InstanceType<typeof Libsql>;
type NativeStatement = ReturnType<NativeDatabase['prepare']>;

export function openSqlite(filename: string, options: OpenOptions = {}): SqliteDatabase {
  const native = new Libsql(filename);
  // better-sqlite3's defaults, where libsql's differ: a 16 MB page cache, and waiting 5 s for a lock
  native.exec('PRAGMA cache_size = -16000; PRAGMA busy_timeout = 5000');
  if (options.readonly) native.exec('PRAGMA query_only = ON');
  return new Connection(native);
}

function bindable(params: unknown[]): object {
  for (const value of params) {
    if (typeof value === 'boolean') throw new TypeError('SQLite cannot bind a boolean: pass 1 or 0');
  }
  const [only] = params;
  // named parameters: one plain object; anything else goes as a list, which libsql binds by position
  const named =
    params.length === 1 &&
    typeof only === 'object' &&
    only !== null &&
    !Array.isArray(only) &&
    !Buffer.isBuffer(only);
  return named ? (only as object) : params;
}

const NOT_OPEN = 'The database connection is not open';

class PreparedStatement<Params extends unknown[], Row> implements Statement<Params, Row> {
  readonly #native: NativeStatement;
  readonly #reader: boolean;
  readonly #connection: Connection;

  constructor(native: NativeStatement, connection: Connection) {
    this.#native = native;
    this.#reader = native.reader;
    this.#connection = connection;
  }

  run(...params: Params): RunResult {
    this.#connection.assertOpen();
    if (this.#reader) throw new TypeError('this statement returns rows: use get() or all()');
    const { changes, lastInsertRowid } = this.#native.run(bindable(params));
    return { changes, lastInsertRowid };
  }

  get(...params: Params): Row | undefined {
    this.#connection.assertOpen();
    const row = this.#native.get(bindable(params)) as (Row & { _metadata?: unknown }) | undefined;
    if (row !== undefined) delete row._metadata;
    return row;
  }

  all(...params: Params): Row[] {
    this.#connection.assertOpen();
    return this.#native.all(bindable(params)) as Row[];
  }
}

class Connection implements SqliteDatabase {
  readonly #native: NativeDatabase;
  #open = true;
  #savepoints = 0;
  readonly #control = new Map<string, NativeStatement>();

  constructor(native: NativeDatabase) {
    this.#native = native;
  }

  get inTransaction(): boolean {
    return this.#open && this.#native.inTransaction;
  }

  assertOpen(): void {
    if (!this.#open) throw new TypeError(NOT_OPEN);
  }

  prepare<Params extends unknown[] = unknown[], Row = unknown>(sql: string): Statement<Params, Row> {
    this.assertOpen();
    return new PreparedStatement<Params, Row>(this.#native.prepare(sql), this);
  }

  exec(sql: string): void {
    this.#native.exec(sql);
  }

  pragma(source: string, options: { simple?: boolean } = {}): unknown {
    const rows = this.#native.prepare(`PRAGMA ${source}`).all() as Record<string, unknown>[];
    if (!options.simple) return rows;
    const [first] = rows;
    return first === undefined ? undefined : Object.values(first)[0];
  }

  transaction<F extends AnyFunction>(fn: F): Transaction<F> {
    const wrap =
      (mode: string) =>
      (...args: Parameters<F>): ReturnType<F> =>
        this.#inTransaction(mode, () => fn(...args) as ReturnType<F>);
    return Object.assign(wrap(''), {
      deferred: wrap('DEFERRED'),
      immediate: wrap('IMMEDIATE'),
      exclusive: wrap('EXCLUSIVE'),
    });
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#native.close();
  }

  #inTransaction<T>(mode: string, work: () => T): T {
    this.assertOpen();
    if (this.#native.inTransaction) return this.#inSavepoint(work);
    this.#runControl(`BEGIN ${mode}`);
    try {
      const result = work();
      this.#runControl('COMMIT');
      return result;
    } catch (error) {
      // sqlite may have rolled back already (a full disk, an interrupt)
      if (this.#native.inTransaction) this.#runControl('ROLLBACK');
      throw error;
    }
  }

  #inSavepoint<T>(work: () => T): T {
    const name = `nested_${++this.#savepoints}`;
    this.#runControl(`SAVEPOINT ${name}`);
    try {
      const result = work();
      this.#runControl(`RELEASE ${name}`);
      return result;
    } catch (error) {
      if (this.#native.inTransaction) {
        this.#runControl(`ROLLBACK TO ${name}`);
        this.#runControl(`RELEASE ${name}`);
      }
      throw error;
    } finally {
      this.#savepoints--;
    }
  }

  // BEGIN, COMMIT and the savepoint statements run once per transaction: prepare each once
  #runControl(sql: string): void {
    let statement = this.#control.get(sql);
    if (!statement) {
      statement = this.#native.prepare(sql);
      this.#control.set(sql, statement);
    }
    statement.run([]);
  }
}
