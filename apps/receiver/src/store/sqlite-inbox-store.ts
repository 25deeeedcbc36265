import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { openSqlite } from '@omni-webhooks/sqlite';
import type { ExportOptions } from './drift-records.js';
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
  type ListedEvent,
  type ListedEventPage,
  type ListOptions,
  NEVER_FINISHED_ERROR,
  type NewInboxEvent,
  type StoredEvent,
} from './inbox-store.js';
import { prepareSqliteDriftRecords } from './sqlite-drift-records.js';
import { prepareSqliteEventFeed } from './sqlite-event-feed.js';
import { migrateSqlite } from './sqlite-migrations.js';
import { createLocalRetentionLock, prepareSqliteRetention } from './sqlite-retention.js';
import { checkStorablePayload, storedLabel, storedType } from './storable-text.js';
import { timeOrderedId } from './time-ordered-id.js';
import { startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer.js';
import { createWalSync, type WalSync } from './wal-sync.js';

export interface SqliteInboxStoreOptions {
  /** file path, or ':memory:' */
  filename: string;
  /**
   * FULL (default): a write resolves only once its wal frames are fsynced, so a 200 survives power
   * loss, which is what the sender relies on when it stops retrying. with group commit this is done
   * off the event loop (see wal-sync.ts); without, by sqlite's own synchronous=FULL.
   * NORMAL: survives a process crash, not a power cut; faster, for tests and throwaway setups.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * run the writes (inserts, claims, completions) arriving in the same tick in one transaction, so
   * concurrent requests share one fsync; default true
   */
  groupCommit?: boolean;
  /**
   * checkpoint the wal from a worker thread (see wal-checkpointer.ts) rather than inside commits on the
   * event loop; default true for a file
   */
  checkpointThread?: boolean;
}

// how often the thread checkpoints, and the writer's own threshold (pages) should it fall behind
const CHECKPOINT_INTERVAL_MS = 100;
const BACKSTOP_AUTOCHECKPOINT_PAGES = 16_000;

interface SummaryRow {
  seq: number;
  id: string;
  dedupe_key: string;
  type: string;
  status: InboxStatus;
  /** absent from a summary */
  issues?: string | null;
  delivery_count: number;
  received_at: string;
  processed_at: string | null;
  handler_attempts: number;
  last_error: string | null;
}

interface EventRow extends SummaryRow {
  payload: string;
}

interface PendingWrite {
  run: () => unknown;
  resolve: (result: never) => void;
  reject: (error: unknown) => void;
}

// a list without payloads leaves issues out too: a page of 10 000 rows stays small
const SUMMARY_COLUMNS =
  'seq, id, dedupe_key, type, status, delivery_count, received_at, processed_at, handler_attempts, last_error';
const EVENT_COLUMNS = `${SUMMARY_COLUMNS}, issues, payload`;

export function createSqliteInboxStore(options: SqliteInboxStoreOptions): InboxStore {
  if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true });
  const db = openSqlite(options.filename);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  // fewer, larger checkpoints: each one syncs on the event loop
  db.pragma('wal_autocheckpoint = 4000');
  const groupCommit = options.groupCommit ?? true;
  const durable = (options.synchronous ?? 'FULL') === 'FULL' && options.filename !== ':memory:';
  // with group commit the wal is fsynced asynchronously by walSync instead of inside each commit
  db.pragma(`synchronous = ${durable && !groupCommit ? 'FULL' : 'NORMAL'}`);
  let walSync: WalSync | undefined;
  let checkpointer: WalCheckpointer | undefined;
  let closed = false;
  let pending: PendingWrite[] = [];
  let flushScheduled = false;

  // prepared after migration, so the table exists
  let statements: ReturnType<typeof prepare> | undefined;
  function prepare() {
    return {
      upsert: db.prepare<
        [
          string,
          string,
          string,
          string,
          string,
          string,
          string | null,
          string,
          string,
          number,
          string | null,
          number | null,
          number,
          string | null,
          string | null,
        ],
        { id: string; delivery_count: number; status: InboxStatus; lease_token: string | null }
      >(
        `INSERT INTO inbox_events (id, dedupe_key, active_dedupe_key, type, status, payload, issues, received_at,
           last_delivery_at, available_at, lease_token, lease_until, handler_attempts, body_hash, delivery_headers)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (active_dedupe_key) DO UPDATE SET
           delivery_count = delivery_count + 1, last_delivery_at = excluded.last_delivery_at
         RETURNING id, delivery_count, status, lease_token`,
      ),
      keyOfBody: db.prepare<[string, string], { active_dedupe_key: string }>(
        `SELECT active_dedupe_key FROM inbox_events
         WHERE body_hash = ? AND received_at >= ? AND active_dedupe_key IS NOT NULL
         ORDER BY seq DESC LIMIT 1`,
      ),
      retireKey: db.prepare<[string, string]>(
        'UPDATE inbox_events SET active_dedupe_key = NULL WHERE active_dedupe_key = ? AND received_at < ?',
      ),
      promote: db.prepare<[number, string, string, string]>(
        `UPDATE inbox_events SET status = 'received', issues = NULL, available_at = ?, type = ?, payload = ?
         WHERE active_dedupe_key = ? AND status = 'rejected'`,
      ),
      requeue: db.prepare<[number, string], EventRow>(
        `UPDATE inbox_events SET status = 'received', issues = NULL, available_at = ?, processed_at = NULL,
           lease_token = NULL, lease_until = NULL,
           handler_attempts = CASE WHEN status = 'failed' THEN 0 ELSE handler_attempts END
         WHERE id = ? AND status IN ('rejected', 'failed')
         RETURNING ${EVENT_COLUMNS}`,
      ),
      exhaust: db.prepare<[string, string, number, number, number, number], ExhaustRow>(
        `UPDATE inbox_events SET status = 'failed', last_error = ? || ' ' || handler_attempts, processed_at = ?,
           lease_token = NULL, lease_until = NULL
         WHERE seq IN (
           SELECT seq FROM inbox_events
           WHERE status = 'received' AND available_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
           ORDER BY seq LIMIT ?
         ) AND handler_attempts >= ?
         RETURNING seq, id, type, payload, handler_attempts`,
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
      renew: db.prepare<[number, string, string]>(
        `UPDATE inbox_events SET lease_until = ? WHERE id = ? AND lease_token = ? AND status = 'received'`,
      ),
      releaseLeases: db.prepare<[]>(
        'UPDATE inbox_events SET lease_token = NULL, lease_until = NULL WHERE lease_token IS NOT NULL',
      ),
      get: db.prepare<[string], EventRow>(`SELECT ${EVENT_COLUMNS} FROM inbox_events WHERE id = ?`),
      countByStatus: db.prepare<[], { status: InboxStatus; n: number }>(
        'SELECT status, COUNT(*) AS n FROM inbox_events GROUP BY status',
      ),
      ping: db.prepare<[], { ok: number }>('SELECT 1 AS ok'),
      drift: prepareSqliteDriftRecords(db),
      feed: prepareSqliteEventFeed(db),
      retention: prepareSqliteRetention(db),
    };
  }

  function ready() {
    if (closed) throw new Error('inbox store is closed');
    if (!statements) throw new Error('inbox store is not migrated: call migrate() first');
    return statements;
  }

  function insertOne(event: NewInboxEvent): InsertResult {
    const iso = event.receivedAt.toISOString();
    const type = storedType(event.type);
    const s = ready();
    // the same body stored within its window is this event, whatever key it was stored under
    const sameBody = event.bodyHash
      ? s.keyOfBody.get(
          event.bodyHash.key,
          new Date(event.receivedAt.getTime() - event.bodyHash.windowMs).toISOString(),
        )?.active_dedupe_key
      : undefined;
    const key = sameBody ?? event.dedupeKey;
    // a row older than the key's window is another event that happened to have the same body
    if (sameBody === undefined && event.dedupeWindowMs !== undefined) {
      const cutoff = new Date(event.receivedAt.getTime() - event.dedupeWindowMs).toISOString();
      s.retireKey.run(event.dedupeKey, cutoff);
    }
    // a valid delivery of a key stored as rejected (the schema was fixed since): process it after all
    const promoted =
      event.status === 'received' &&
      s.promote.run(event.receivedAt.getTime(), type, event.payload, key).changes === 1;
    // one process owns the file, so the worker that asked for the new row can hold it at once
    const lease =
      event.leaseMs !== undefined && event.status === 'received'
        ? { token: randomUUID(), until: Date.now() + event.leaseMs }
        : undefined;
    const row = s.upsert.get(
      timeOrderedId(),
      event.dedupeKey,
      key,
      type,
      event.status,
      event.payload,
      event.issues ? JSON.stringify(event.issues) : null,
      iso,
      iso,
      event.receivedAt.getTime(),
      lease?.token ?? null,
      lease?.until ?? null,
      lease ? 1 : 0,
      event.bodyHash?.key ?? null,
      event.deliveryHeaders ?? null,
    );
    if (!row) throw new Error('insert returned no row');
    // a duplicate keeps the stored row's lease: only a row this insert created carries the new token
    const claimed =
      lease && row.lease_token === lease.token
        ? { id: row.id, type, payload: event.payload, handlerAttempts: 1, leaseToken: lease.token }
        : undefined;
    return {
      id: row.id,
      duplicate: row.delivery_count > 1,
      deliveryCount: row.delivery_count,
      status: row.status,
      promoted,
      ...(claimed ? { claimed } : {}),
    };
  }

  const runBatch = db.transaction((batch: readonly PendingWrite[]) => batch.map((item) => item.run()));

  function flush(): void {
    flushScheduled = false;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      for (const value of runBatch(batch)) outcomes.push({ ok: true, value });
    } catch {
      // one bad write must not fail its batch-mates: retry each in its own transaction
      outcomes.length = 0;
      for (const item of batch) {
        try {
          outcomes.push({ ok: true, value: db.transaction(item.run)() });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
    }
    const settle = (syncError?: unknown) =>
      batch.forEach((item, index) => {
        const outcome = outcomes[index];
        if (syncError !== undefined) item.reject(syncError);
        else if (outcome?.ok) item.resolve(outcome.value as never);
        else item.reject(outcome?.error ?? new Error('write lost its result'));
      });
    if (walSync) walSync.afterCommit().then(() => settle(), settle);
    else settle();
  }

  /** runs `run` inside the next group transaction (or its own one without group commit) */
  function write<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      try {
        ready();
        if (!groupCommit) {
          resolve(db.transaction(run)());
          return;
        }
      } catch (error) {
        reject(error);
        return;
      }
      pending.push({ run, resolve: resolve as (result: never) => void, reject });
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    });
  }

  return {
    async migrate() {
      if (closed) throw new Error('inbox store is closed');
      migrateSqlite(db);
      statements ??= prepare();
      if (durable && groupCommit) walSync ??= createWalSync(`${options.filename}-wal`);
      if (options.filename !== ':memory:' && (options.checkpointThread ?? true) && !checkpointer) {
        checkpointer = startWalCheckpointer(options.filename, {
          intervalMs: CHECKPOINT_INTERVAL_MS,
          // the writer's automatic checkpoint still bounds the wal
          onError: (message) => process.emitWarning(message, 'SqliteCheckpointWarning'),
        });
        db.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
      }
    },

    insert(event) {
      try {
        checkStorablePayload(event.payload);
      } catch (error) {
        return Promise.reject(error);
      }
      return write(() => insertOne(event));
    },

    async claim({
      limit,
      leaseMs,
      now = new Date(),
      maxAttempts,
      onExhausted,
    }: ClaimOptions): Promise<ClaimedEvent[]> {
      const at = now.getTime();
      const { exhausted, rows } = await write(() => {
        const s = ready();
        const failed =
          maxAttempts === undefined
            ? []
            : s.exhaust.all(NEVER_FINISHED_ERROR, now.toISOString(), at, at, limit, maxAttempts);
        // the events failed here count against the limit, as in postgres's single pass
        const claimable = limit - failed.length;
        return {
          exhausted: failed,
          rows: claimable > 0 ? s.claim.all(randomUUID(), at + leaseMs, at, at, claimable) : [],
        };
      });
      if (exhausted.length > 0) {
        onExhausted?.(
          // RETURNING has no order: oldest first
          exhausted
            .sort((a, b) => a.seq - b.seq)
            .map((row) => ({
              id: row.id,
              type: row.type,
              payload: row.payload,
              handlerAttempts: row.handler_attempts,
            })),
        );
      }
      return rows.map((row) => ({
        id: row.id,
        type: row.type,
        payload: row.payload,
        handlerAttempts: row.handler_attempts,
        leaseToken: row.lease_token,
      }));
    },

    renewLease(id, leaseToken, leaseMs, now = new Date()) {
      return write(() => ready().renew.run(now.getTime() + leaseMs, id, leaseToken).changes === 1);
    },

    releaseOrphanedLeases() {
      return write(() => ready().releaseLeases.run().changes);
    },

    complete(id, leaseToken, now = new Date()) {
      return write(() => ready().complete.run(now.toISOString(), id, leaseToken).changes === 1);
    },

    fail(id, leaseToken, error, retryAt, now = new Date()) {
      return write(() => {
        const s = ready();
        const result = retryAt
          ? s.retry.run(storedLabel(error), retryAt.getTime(), id, leaseToken)
          : s.giveUp.run(storedLabel(error), now.toISOString(), id, leaseToken);
        return result.changes === 1;
      });
    },

    async requeue(id, now = new Date()) {
      const row = await write(() => ready().requeue.get(now.getTime(), id));
      return row ? toStoredEvent(row) : undefined;
    },

    async get(id) {
      const row = ready().get.get(id);
      return row ? toStoredEvent(row) : undefined;
    },

    async list({
      type,
      status,
      limit,
      cursor,
      includePayload = false,
    }: ListOptions): Promise<ListedEventPage> {
      ready();
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (type !== undefined) {
        where.push('type = ?');
        params.push(storedType(type));
      }
      if (status !== undefined) {
        where.push('status = ?');
        params.push(status);
      }
      if (cursor !== undefined) {
        where.push('seq < ?');
        params.push(decodeCursor(cursor));
      }
      const sql = `SELECT ${includePayload ? EVENT_COLUMNS : SUMMARY_COLUMNS} FROM inbox_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY seq DESC LIMIT ?`;
      const rows = db
        .prepare<(string | number)[], SummaryRow & { payload?: string }>(sql)
        .all(...params, limit + 1);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        events: page.map((row) =>
          row.payload === undefined ? toListedEvent(row) : toStoredEvent({ ...row, payload: row.payload }),
        ),
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

    recordDrift(observations) {
      return write(() => ready().drift.record(observations));
    },

    async listDrift(options) {
      return ready().drift.list(options);
    },

    async countDrift() {
      return ready().drift.count();
    },

    async exportEvents({ type, since, cursor, limit }: ExportOptions): Promise<EventPage> {
      ready();
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (type !== undefined) {
        where.push('type = ?');
        params.push(storedType(type));
      }
      if (since !== undefined) {
        where.push('received_at >= ?');
        params.push(since.toISOString());
      }
      if (cursor !== undefined) {
        where.push('seq > ?');
        params.push(decodeCursor(cursor));
      }
      const rows = db
        .prepare<(string | number)[], EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM inbox_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
           ORDER BY seq LIMIT ?`,
        )
        .all(...params, limit + 1);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        events: page.map(toStoredEvent),
        nextCursor: rows.length > limit && last ? encodeCursor(last.seq) : null,
      };
    },

    async ping() {
      ready().ping.get();
    },

    async feedEvents(feedOptions) {
      return ready().feed.feedEvents(feedOptions);
    },

    async feedPosition(from) {
      return ready().feed.feedPosition(from);
    },

    deleteExpired(policy) {
      return write(() => ready().retention.deleteExpired(policy));
    },

    withRetentionLock: createLocalRetentionLock(),

    async close() {
      if (closed) return;
      flush();
      closed = true;
      if (walSync) {
        // let in-flight syncs finish before their descriptor goes away
        await walSync.afterCommit().catch(() => undefined);
        walSync.close();
      }
      // the writer's connection closes last, so it is the one that checkpoints and removes the wal
      await checkpointer?.close();
      db.close();
    },
  };
}

interface ExhaustRow {
  seq: number;
  id: string;
  type: string;
  payload: string;
  handler_attempts: number;
}

interface ClaimRow {
  id: string;
  type: string;
  payload: string;
  handler_attempts: number;
  lease_token: string;
}

function toListedEvent(row: SummaryRow): ListedEvent {
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
    ...(row.issues === undefined
      ? {}
      : { issues: row.issues ? (JSON.parse(row.issues) as InboxIssue[]) : null }),
  };
}

function toStoredEvent(row: EventRow): StoredEvent {
  const event = toListedEvent({ ...row, issues: row.issues ?? null });
  return { ...event, issues: event.issues ?? null, payload: row.payload };
}
