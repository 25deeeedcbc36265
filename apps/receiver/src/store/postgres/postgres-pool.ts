import { Pool } from 'pg';

// the pool every statement of the postgres inbox runs on, with the session settings they rely on

// how much later than the server the client gives up on a statement
const CLIENT_TIMEOUT_MARGIN_MS = 2000;

/** settings of every pooled session */
function sessionOptions(timeoutMs: number): string {
  return [
    // every statement here reads a few rows by index, in index order. a bitmap scan never marks dead
    // index entries, so a claim planned as one (the planner's guess for a small backlog) would re-read
    // every processed event left in the claim index since the last vacuum; an index scan skips them
    'enable_bitmapscan=off',
    // cancelled by the server, the statement frees its backend and the connection stays usable
    `statement_timeout=${timeoutMs}`,
    `lock_timeout=${timeoutMs}`,
    // a transaction here never waits on the application between statements: one left idle belongs to a
    // stalled process, and must not keep its row locks
    `idle_in_transaction_session_timeout=${timeoutMs}`,
  ]
    .map((setting) => `-c ${setting}`)
    .join(' ');
}

export interface PoolSettings {
  connectionString: string;
  poolMax: number;
  connectionTimeoutMs: number;
  /** the server's statement, lock and idle-in-transaction timeout */
  timeoutMs: number;
  applicationName: string;
}

export function createInboxPool(settings: PoolSettings): Pool {
  return new Pool({
    connectionString: settings.connectionString,
    max: settings.poolMax,
    connectionTimeoutMillis: settings.connectionTimeoutMs,
    // a backstop only: a client that gives up drops its connection, but the backend goes on (waiting on
    // a lock, say) while the pool opens another, so the server's own timeouts must come first
    query_timeout: settings.timeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: settings.applicationName,
    options: sessionOptions(settings.timeoutMs),
  });
}
