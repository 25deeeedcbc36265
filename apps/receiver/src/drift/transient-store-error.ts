// a failed drift flush is retried when the database may answer later (a lost connection, a lock, a full
// disk) and dropped when it refused the rows themselves: those would fail every later flush too

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

/** false when the database refused the statement for what it holds; true for anything else */
export function isTransientStoreError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return true;
  if (code.startsWith('SQLITE_')) return TRANSIENT_SQLITE_CODES.some((prefix) => code.startsWith(prefix));
  if (SQLSTATE.test(code)) return code === '55P03' || TRANSIENT_POSTGRES_CLASSES.has(code.slice(0, 2));
  // node's own codes (ECONNRESET, ETIMEDOUT, ...) and the pool's: the connection, not the rows
  return true;
}
