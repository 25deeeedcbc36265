import { DatabaseError } from 'pg';

// what the stores throw, and what the error codes of either database mean for a retry

/**
 * the event holds a value no adapter can store (a raw U+0000 in the payload, a value the database
 * refuses as data): retrying it cannot help, so it is answered for itself, never as an outage
 */
export class UnstorableEventError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnstorableEventError';
  }
}

export class InvalidCursorError extends Error {
  constructor() {
    super('invalid cursor');
    this.name = 'InvalidCursorError';
  }
}

// postgres SQLSTATE classes a retry can outlive: connection, rollback (serialization, deadlock),
// insufficient resources, operator intervention, system error; and 55P03, lock not available
const TRANSIENT_POSTGRES_CLASSES = new Set(['08', '40', '53', '57', '58']);
const SQLSTATE = /^[0-9A-Z]{5}$/;

// sqlite codes of a busy, locked, full or unreadable database (extended codes start with these)
const TRANSIENT_SQLITE_CODES = [
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_CANTOPEN',
];

/**
 * false when the database refused the statement for what it holds; true for anything else. a failed
 * drift flush is retried when the database may answer later (a lost connection, a lock, a full disk)
 * and dropped when it refused the rows themselves: those would fail every later flush too
 */
export function isTransientStoreError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return true;
  if (code.startsWith('SQLITE_')) return TRANSIENT_SQLITE_CODES.some((prefix) => code.startsWith(prefix));
  if (SQLSTATE.test(code)) return code === '55P03' || TRANSIENT_POSTGRES_CLASSES.has(code.slice(0, 2));
  // node's own codes (ECONNRESET, ETIMEDOUT, ...) and the pool's: the connection, not the rows
  return true;
}

/**
 * 40P01 deadlock, 40001 serialization failure: the transaction was rolled back only for meeting
 * another one, so running it again succeeds (an insert batch runs again only its keys that were rolled
 * back). completions lock their rows in id order and upserts in dedupe-key order, so a batch of each
 * over the same rows can deadlock; postgres fails one of the two
 */
export function lostToAnotherTransaction(error: unknown): boolean {
  return error instanceof DatabaseError && (error.code === '40P01' || error.code === '40001');
}

/** postgres 22: data exception (a value the column cannot hold, e.g. 22021, 22P05) */
export function isDataError(error: unknown): error is DatabaseError {
  return error instanceof DatabaseError && (error.code?.startsWith('22') ?? false);
}

/**
 * refused over one row's values, so each row is retried alone and only that one fails. 23: integrity,
 * 54: a program limit (an index row too large). anything else (timeouts, lock waits, shutdown, out of
 * resources, a lost connection) is the database's state, and retrying row by row would only repeat it
 */
export function refusedByServer(error: unknown): boolean {
  if (isDataError(error)) return true;
  if (!(error instanceof DatabaseError)) return false;
  return (error.code?.startsWith('23') ?? false) || (error.code?.startsWith('54') ?? false);
}
