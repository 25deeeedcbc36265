import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  type ClaimedEvent,
  type ClaimOptions,
  decodeCursor,
  type EventPage,
  encodeCursor,
  INBOX_STATUSES,
  type InboxIssue,
  type InboxStatus,
  type InboxStore,
  type InsertResult,
  type ListOptions,
  type NewInboxEvent,
  type StoredEvent,
} from './inbox-store.js';
import { migrateSqlite } from './sqlite-migrations.js';

export interface SqliteInboxStoreOptions {
  /** file path, or ':memory:' */
  filename: string;
  /**
   * FULL (default) fsyncs the WAL on every commit, so a 200 survives power loss, which is what the
   * sender relies on when it stops retrying; NORMAL survives process crashes only
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** batch inserts arriving in the same tick into one transaction (one fsync); default true */
  groupCommit?: boolean;
}

interface EventRow {
  seq: number;
  id: string;
  dedupe_key: string;
  type: string;
  status: InboxStatus;
  payload: string;
  issues: string | null;
  delivery_count: number;
  received_at: string;
  processed_at: string | null;
  handler_attempts: number;
  last_error: string | null;
}

interface PendingInsert {
  event: NewInboxEvent;
  resolve: (result: InsertResult) => void;
  reject: (error: unknown) => void;
}

const EVENT_COLUMNS =
  'seq, id, dedupe_key, type, status, payload, issues, delivery_count, received_at, processed_at, handler_attempts, last_error';

export function createSqliteInboxStore(options: SqliteInboxStoreOptions): InboxStore {
  if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true });
  const db = new Database(options.filename);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  db.pragma('busy_timeout = 5000');
  const groupCommit = options.groupCommit ?? true;
  let closed = false;
  let pending: PendingInsert[] = [];
  let flushScheduled = false;

  // prepared after migration, so the table exists
  let statements: ReturnType<typeof prepare> | undefined;
  function prepare() {
    return {
      upsert: db.prepare<
        [string, string, string, string, string, string | null, string, string, number],
        { id: string; delivery_count: number; status: InboxStatus }
      >(
        `INSERT INTO inbox_events (id, dedupe_key, type, status, payload, issues, received_at, last_delivery_at, available_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (dedupe_key) DO UPDATE SET
           delivery_count = delivery_count + 1, last_delivery_at = excluded.last_delivery_at
         RETURNING id, delivery_count, status`,
      ),
      claim: db.prepare<[string, number, number, number, number], ClaimRow>(
        `UPDATE inbox_events SET lease_token = ?, lease_until = ?, handler_attempts = handler_attempts + 1
         WHERE seq IN (
           SELECT seq FROM inbox_events
           WHERE status = 'received' AND available_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
           ORDER BY seq LIMIT ?
         )
         RETURNING id, type, payload, handler_attempts, lease_token`,
      ),
      complete: db.prepare<[string, string, string]>(
        `UPDATE inbox_events SET status = 'processed', processed_at = ?, lease_token = NULL, lease_until = NULL
         WHERE id = ? AND lease_token = ? AND status = 'received'`,
      ),
      retry: db.prepare<[string, number, string, string]>(
        `UPDATE inbox_events SET last_error = ?, available_at = ?, lease_token = NULL, lease_until = NULL
         WHERE id = ? AND lease_token = ? AND status = 'received'`,
      ),
      giveUp: db.prepare<[string, string, string, string]>(
        `UPDATE inbox_events SET status = 'failed', last_error = ?, processed_at = ?, lease_token = NULL, lease_until = NULL
         WHERE id = ? AND lease_token = ? AND status = 'received'`,
      ),
      get: db.prepare<[string], EventRow>(`SELECT ${EVENT_COLUMNS} FROM inbox_events WHERE id = ?`),
      countByStatus: db.prepare<[], { status: InboxStatus; n: number }>(
        'SELECT status, COUNT(*) AS n FROM inbox_events GROUP BY status',
      ),
      ping: db.prepare<[], { ok: number }>('SELECT 1 AS ok'),
    };
  }

  function ready() {
    if (closed) throw new Error('inbox store is closed');
    if (!statements) throw new Error('inbox store is not migrated: call migrate() first');
    return statements;
  }

  function insertOne(event: NewInboxEvent): InsertResult {
    const iso = event.receivedAt.toISOString();
    const row = ready().upsert.get(
      randomUUID(),
      event.dedupeKey,
      event.type,
      event.status,
      event.payload,
      event.issues ? JSON.stringify(event.issues) : null,
      iso,
      iso,
      event.receivedAt.getTime(),
    );
    if (!row) throw new Error('insert returned no row');
    return {
      id: row.id,
      duplicate: row.delivery_count > 1,
      deliveryCount: row.delivery_count,
      status: row.status,
    };
  }

  const insertBatch = db.transaction((batch: readonly PendingInsert[]) =>
    batch.map((item) => insertOne(item.event)),
  );

  function flush(): void {
    flushScheduled = false;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    try {
      const results = insertBatch(batch);
      batch.forEach((item, index) => {
        const result = results[index];
        if (result) item.resolve(result);
        else item.reject(new Error('insert lost its result'));
      });
    } catch {
      // one bad row must not fail its batch-mates: retry each in its own transaction
      for (const item of batch) {
        try {
          item.resolve(db.transaction(() => insertOne(item.event))());
        } catch (error) {
          item.reject(error);
        }
      }
    }
  }

  return {
    async migrate() {
      if (closed) throw new Error('inbox store is closed');
      migrateSqlite(db);
      statements ??= prepare();
    },

    insert(event) {
      if (!groupCommit) return Promise.resolve().then(() => db.transaction(() => insertOne(event))());
      return new Promise<InsertResult>((resolve, reject) => {
        try {
          ready();
        } catch (error) {
          reject(error);
          return;
        }
        pending.push({ event, resolve, reject });
        if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(flush);
        }
      });
    },

    async claim({ limit, leaseMs, now = new Date() }: ClaimOptions): Promise<ClaimedEvent[]> {
      const at = now.getTime();
      const rows = ready().claim.all(randomUUID(), at + leaseMs, at, at, limit);
      return rows.map((row) => ({
        id: row.id,
        type: row.type,
        payload: row.payload,
        handlerAttempts: row.handler_attempts,
        leaseToken: row.lease_token,
      }));
    },

    async complete(id, leaseToken, now = new Date()) {
      return ready().complete.run(now.toISOString(), id, leaseToken).changes === 1;
    },

    async fail(id, leaseToken, error, retryAt, now = new Date()) {
      const s = ready();
      const result = retryAt
        ? s.retry.run(error, retryAt.getTime(), id, leaseToken)
        : s.giveUp.run(error, now.toISOString(), id, leaseToken);
      return result.changes === 1;
    },

    async get(id) {
      const row = ready().get.get(id);
      return row ? toStoredEvent(row) : undefined;
    },

    async list({ type, status, limit, cursor }: ListOptions): Promise<EventPage> {
      ready();
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (type !== undefined) {
        where.push('type = ?');
        params.push(type);
      }
      if (status !== undefined) {
        where.push('status = ?');
        params.push(status);
      }
      if (cursor !== undefined) {
        where.push('seq < ?');
        params.push(decodeCursor(cursor));
      }
      const sql = `SELECT ${EVENT_COLUMNS} FROM inbox_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY seq DESC LIMIT ?`;
      const rows = db.prepare<(string | number)[], EventRow>(sql).all(...params, limit + 1);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        events: page.map(toStoredEvent),
        nextCursor: rows.length > limit && last ? encodeCursor(last.seq) : null,
      };
    },

    async countByStatus() {
      const counts = Object.fromEntries(INBOX_STATUSES.map((status) => [status, 0])) as Record<
        InboxStatus,
        number
      >;
      for (const row of ready().countByStatus.all()) counts[row.status] = row.n;
      return counts;
    },

    async ping() {
      ready().ping.get();
    },

    async close() {
      if (closed) return;
      flush();
      closed = true;
      db.close();
    },
  };
}

interface ClaimRow {
  id: string;
  type: string;
  payload: string;
  handler_attempts: number;
  lease_token: string;
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    id: row.id,
    type: row.type,
    dedupeKey: row.dedupe_key,
    status: row.status,
    deliveryCount: row.delivery_count,
    receivedAt: row.received_at,
    processedAt: row.processed_at,
    handlerAttempts: row.handler_attempts,
    lastError: row.last_error,
    issues: row.issues ? (JSON.parse(row.issues) as InboxIssue[]) : null,
    payload: row.payload,
  };
}
