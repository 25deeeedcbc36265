import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { openSqlite } from '@omni-webhooks/sqlite';
import { GroupCommit } from '@omni-webhooks/sqlite/group-commit';
import type { ExportOptions } from '../drift-records.js';
import {
  countsByStatus,
  type EventRow,
  type SummaryRow,
  toExhaustedEvent,
  toPageEvent,
  toStoredEvent,
} from '../event-rows.js';
import {
  type ClaimedEvent,
  type ClaimOptions,
  type EventPage,
  type InboxStore,
  type ListedEventPage,
  type ListOptions,
  NEVER_FINISHED_ERROR,
} from '../inbox-store.js';
import { keysetPage } from '../keyset-page.js';
import { checkStorablePayload, storedLabel } from '../storable-text.js';
import { createCompletionBatches } from './sqlite-completions.js';
import { sqliteDriftRecords } from './sqlite-drift-records.js';
import { sqliteEventFeed } from './sqlite-event-feed.js';
import { insertEvent } from './sqlite-insert.js';
import { migrateSqlite } from './sqlite-migrations.js';
import { createLocalRetentionLock, sqliteRetention } from './sqlite-retention.js';
import { allRows, prepareSqliteStatements, sqliteQueries } from './sqlite-statements.js';
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
  // with walSync, a write is answered once its commit's wal frames are fsynced
  const writes = new GroupCommit(db, { gather: groupCommit, afterCommit: () => walSync?.afterCommit() });

  // prepared after migration, so the tables exist
  let statements: ReturnType<typeof prepare> | undefined;
  function prepare() {
    const prepared = prepareSqliteStatements(db);
    return {
      ...prepared,
      drift: sqliteDriftRecords(db, prepared),
      feed: sqliteEventFeed(prepared),
      retention: sqliteRetention(prepared),
    };
  }

  function ready() {
    if (closed) throw new Error('inbox store is closed');
    if (!statements) throw new Error('inbox store is not migrated: call migrate() first');
    return statements;
  }

  /** runs `run` inside the next group transaction (or its own one without group commit) */
  function write<T>(run: () => T, cutCompletions = true): Promise<T> {
    try {
      ready();
    } catch (error) {
      return Promise.reject(error);
    }
    if (cutCompletions) completions.cut();
    return writes.run(run);
  }
  const completions = createCompletionBatches(
    (run) => write(run, false),
    (list) => ready().completeAll.all(list),
  );

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
      return write(() => insertEvent(ready(), event));
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
        // RETURNING has no order: oldest first
        onExhausted?.(exhausted.sort((a, b) => Number(a.seq) - Number(b.seq)).map(toExhaustedEvent));
      }
      return rows.map((row) => ({ ...toExhaustedEvent(row), leaseToken: row.lease_token }));
    },

    renewLease(id, leaseToken, leaseMs, now = new Date()) {
      return write(() => ready().renew.run(now.getTime() + leaseMs, id, leaseToken).changes === 1);
    },

    releaseOrphanedLeases() {
      return write(() => ready().releaseLeases.run().changes);
    },

    complete(id, leaseToken, now = new Date()) {
      // without group commit each write commits alone: nothing to gather
      if (!groupCommit)
        return write(() => ready().complete.run(now.toISOString(), id, leaseToken).changes === 1);
      return completions.complete({ id, leaseToken, at: now.toISOString() });
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

    async list(options: ListOptions): Promise<ListedEventPage> {
      ready();
      const rows = allRows<SummaryRow & { payload?: string }>(db, sqliteQueries.listEvents(options));
      return keysetPage(rows, options.limit, toPageEvent);
    },

    async countByStatus() {
      return countsByStatus(ready().countByStatus.all());
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

    async exportEvents(options: ExportOptions): Promise<EventPage> {
      ready();
      return keysetPage(
        allRows<EventRow>(db, sqliteQueries.exportEvents(options)),
        options.limit,
        toStoredEvent,
      );
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
      writes.flush();
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
