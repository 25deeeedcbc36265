import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { ExportOptions } from '../drift-records.js';
import {
  type ClaimRow,
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
  type ExhaustedEvent,
  type InboxStatus,
  type InboxStore,
  type InsertResult,
  type ListedEventPage,
  type ListOptions,
  NEVER_FINISHED_ERROR,
  type NewInboxEvent,
} from '../inbox-store.js';
import { keysetPage } from '../keyset-page.js';
import { checkStorablePayload, storedLabel, storedType } from '../storable-text.js';
import {
  isDataError,
  lostToAnotherTransaction,
  refusedByServer,
  UnstorableEventError,
} from '../store-errors.js';
import { postgresDriftRecords } from './postgres-drift-records.js';
import { migratePostgres } from './postgres-migrations.js';
import { createInboxPool } from './postgres-pool.js';
import {
  CLAIM_SQL,
  COMPLETE_SQL,
  COUNT_BY_STATUS_SQL,
  GET_SQL,
  GIVE_UP_SQL,
  PING_SQL,
  postgresQueries,
  RENEW_SQL,
  REQUEUE_SQL,
  RETRY_SQL,
} from './postgres-statements.js';
import { upsertEvents } from './postgres-upsert.js';
import { createStatementBatcher } from './statement-batcher.js';

export interface PostgresInboxStoreOptions {
  /** `postgres://user:password@host:5432/database` (or `postgresql://`) */
  connectionString: string;
  /** most connections this store opens; default 10 */
  poolMax?: number;
  /** how long to wait for a connection (new, or free in a full pool) before failing; default 5000 */
  connectionTimeoutMs?: number;
  /**
   * the server cancels a statement running (or waiting on a lock) this long, and ends a session idle
   * inside a transaction this long; the client gives up a little later, for a database that does not
   * answer at all. default 10000
   */
  queryTimeoutMs?: number;
  /** shown in pg_stat_activity; default 'omni-webhooks-receiver' */
  applicationName?: string;
  /**
   * send the inserts (and completions) waiting while earlier ones are in flight as one multi-row
   * statement, so a burst costs a few round trips and commits instead of one each; default true
   */
  groupCommit?: boolean;
  /** a pooled connection broke while idle (database restarted, backend killed); the pool reconnects */
  onConnectionError?: (error: Error) => void;
}

// a bound on one statement's size (arrays of this many elements)
const MAX_BATCH = 500;

interface Completion {
  id: string;
  leaseToken: string;
  at: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createPostgresInboxStore(options: PostgresInboxStoreOptions): InboxStore {
  const poolMax = options.poolMax ?? 10;
  const applicationName = options.applicationName ?? 'omni-webhooks-receiver';
  const pool = createInboxPool({
    connectionString: options.connectionString,
    poolMax,
    connectionTimeoutMs: options.connectionTimeoutMs ?? 5000,
    timeoutMs: Math.max(1, Math.round(options.queryTimeoutMs ?? 10_000)),
    applicationName,
  });
  // an idle client whose connection dies is dropped by the pool, which then emits 'error': without a
  // listener that would crash the process; the next query simply opens a new connection
  pool.on('error', (error) => options.onConnectionError?.(error));

  const groupCommit = options.groupCommit ?? true;
  // part of the pool is left to claims and reads while writes queue up behind the batches in flight
  const inserts = createStatementBatcher<NewInboxEvent, InsertResult>({
    run: (events) => upsertEvents(pool, events),
    maxBatch: MAX_BATCH,
    maxInFlight: Math.max(1, Math.floor(poolMax / 2)),
    gather: groupCommit,
    retryAlone: refusedByServer,
    retryBatch: lostToAnotherTransaction,
  });
  const completions = createStatementBatcher<Completion, boolean>({
    run: async (done) => {
      const { rows } = await pool.query<{ id: string }>(COMPLETE_SQL, [
        done.map((completion) => completion.id),
        done.map((completion) => completion.leaseToken),
        done.map((completion) => completion.at),
      ]);
      const completed = new Set(rows.map((row) => row.id));
      return done.map((completion) => completed.has(completion.id));
    },
    maxBatch: MAX_BATCH,
    maxInFlight: Math.max(1, Math.floor(poolMax / 4)),
    gather: groupCommit,
    retryAlone: refusedByServer,
    retryBatch: lostToAnotherTransaction,
  });
  const drift = postgresDriftRecords(pool);
  let migrated = false;
  let closed = false;

  function ready(): void {
    if (closed) throw new Error('inbox store is closed');
    if (!migrated) throw new Error('inbox store is not migrated: call migrate() first');
  }

  async function query<Row extends object>(sql: string, params: unknown[] = []): Promise<Row[]> {
    ready();
    return (await pool.query<Row>(sql, params)).rows;
  }

  return {
    async migrate() {
      if (closed) throw new Error('inbox store is closed');
      // its own connection, outside the pool's statement timeout: a replica may wait on the lock for as
      // long as another one's migration takes
      const client = new Client({
        connectionString: options.connectionString,
        connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
        application_name: applicationName,
      });
      // a connection lost mid-migration surfaces as the failed query; this keeps it off the process
      client.on('error', () => undefined);
      await client.connect();
      try {
        await migratePostgres(client);
        migrated = true;
      } finally {
        await client.end();
      }
    },

    async insert(event) {
      ready();
      checkStorablePayload(event.payload);
      try {
        return await inserts.add({ ...event, type: storedType(event.type) });
      } catch (error) {
        // retried alone and refused again: this event's values, not the database
        if (isDataError(error)) {
          throw new UnstorableEventError(`the database refused the event's values: ${error.message}`, {
            cause: error,
          });
        }
        throw error;
      }
    },

    async claim({ limit, leaseMs, now, maxAttempts, onExhausted }: ClaimOptions): Promise<ClaimedEvent[]> {
      // a null lease token marks a row the claim failed for having had every attempt
      const rows = await query<ClaimRow & { lease_token: string | null }>(CLAIM_SQL, [
        now ?? null,
        limit,
        randomUUID(),
        leaseMs,
        maxAttempts ?? null,
        NEVER_FINISHED_ERROR,
      ]);
      // RETURNING has no order: hand them out oldest first
      rows.sort((a, b) => Number(a.seq) - Number(b.seq));
      const claimed: ClaimedEvent[] = [];
      const exhausted: ExhaustedEvent[] = [];
      for (const row of rows) {
        const event = toExhaustedEvent(row);
        if (row.lease_token === null) exhausted.push(event);
        else claimed.push({ ...event, leaseToken: row.lease_token });
      }
      if (exhausted.length > 0) onExhausted?.(exhausted);
      return claimed;
    },

    async renewLease(id, leaseToken, leaseMs, now) {
      ready();
      if (!UUID.test(id) || !UUID.test(leaseToken)) return false;
      const result = await pool.query(RENEW_SQL, [id, leaseToken, now ?? null, leaseMs]);
      return result.rowCount === 1;
    },

    async releaseOrphanedLeases() {
      // another replica's lease looks the same as a dead one's: only its expiry tells them apart
      ready();
      return 0;
    },

    async complete(id, leaseToken, now = new Date()) {
      ready();
      if (!UUID.test(id) || !UUID.test(leaseToken)) return false;
      return completions.add({ id, leaseToken, at: now });
    },

    async fail(id, leaseToken, error, retryAt, now = new Date()) {
      ready();
      if (!UUID.test(id) || !UUID.test(leaseToken)) return false;
      const result = retryAt
        ? await pool.query(RETRY_SQL, [storedLabel(error), retryAt, id, leaseToken])
        : await pool.query(GIVE_UP_SQL, [storedLabel(error), now, id, leaseToken]);
      return result.rowCount === 1;
    },

    async requeue(id, now) {
      ready();
      if (!UUID.test(id)) return undefined;
      const [row] = await query<EventRow>(REQUEUE_SQL, [id, now ?? null]);
      return row ? toStoredEvent(row) : undefined;
    },

    async get(id) {
      ready();
      // not an id this store hands out; asking postgres would fail the uuid cast instead
      if (!UUID.test(id)) return undefined;
      const [row] = await query<EventRow>(GET_SQL, [id]);
      return row ? toStoredEvent(row) : undefined;
    },

    async list(options: ListOptions): Promise<ListedEventPage> {
      const { sql, params } = postgresQueries.listEvents(options);
      const rows = await query<SummaryRow & { payload?: string }>(sql, params);
      return keysetPage(rows, options.limit, toPageEvent);
    },

    async countByStatus() {
      return countsByStatus(await query<{ status: InboxStatus; n: number }>(COUNT_BY_STATUS_SQL));
    },

    async recordDrift(observations) {
      ready();
      return drift.record(observations);
    },

    async listDrift(options) {
      ready();
      return drift.list(options);
    },

    async countDrift() {
      ready();
      return drift.count();
    },

    async exportEvents(options: ExportOptions): Promise<EventPage> {
      const { sql, params } = postgresQueries.exportEvents(options);
      return keysetPage(await query<EventRow>(sql, params), options.limit, toStoredEvent);
    },

    async ping() {
      if (closed) throw new Error('inbox store is closed');
      await pool.query(PING_SQL);
    },

    async close() {
      if (closed) return;
      closed = true;
      // writes already accepted still get their answer before the connections go
      await Promise.all([inserts.drain(), completions.drain()]);
      await pool.end();
    },
  };
}
