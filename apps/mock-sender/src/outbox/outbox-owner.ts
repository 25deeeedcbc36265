import { randomUUID } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import type { SqliteDatabase } from './database.js';
import { processAlive, processStatus } from './process-liveness.js';

/** how often the owner row is refreshed */
export const OWNER_HEARTBEAT_MS = 5000;
/** an owner silent this long is taken to be gone (a frozen or dead process, or another host's) */
export const OWNER_STALE_AFTER_MS = 30_000;

export interface OwnerRecord {
  pid: number;
  hostname: string;
  startedAt: number;
  heartbeatAt: number;
}

interface OwnerRow {
  token: string;
  pid: number;
  hostname: string;
  started_at: number;
  heartbeat_at: number;
  /** null on rows written before it was recorded, or where the os does not say */
  process_start: string | null;
}

export class OutboxInUseError extends Error {
  override readonly name = 'OutboxInUseError';

  constructor(
    readonly path: string,
    readonly owner: OwnerRecord,
    now: number,
  ) {
    const silent = Math.max(0, Math.round((now - owner.heartbeatAt) / 1000));
    super(
      `the outbox ${path} is in use by pid ${owner.pid} on ${owner.hostname} (last heartbeat ${silent} s ago): ` +
        'two senders on one outbox would send deliveries twice; stop that process, or give this one ' +
        `another DATABASE_URL (a dead owner is taken over at once on its own host, elsewhere after ` +
        `${OWNER_STALE_AFTER_MS / 1000} s without a heartbeat)`,
    );
  }
}

export interface OutboxOwnerOptions {
  /** named in the error when another process owns the outbox */
  path: string;
  clock?: () => number;
  pid?: number;
  hostname?: string;
  heartbeatMs?: number;
  staleAfterMs?: number;
  /** another process took the outbox over (this one was silent too long): stop sending */
  onLost?: (owner: OwnerRecord | undefined) => void;
  /**
   * whether the process that recorded this pid (and os start time, when known) on this host still runs;
   * /proc on linux (a zombie or a reused pid is gone), `process.kill(pid, 0)` elsewhere
   */
  isAlive?: (pid: number, processStart: string | null) => boolean;
}

// tokens of the owners alive in this process: a row with this process's pid but another token is a
// previous run's (a restarted container keeps pid 1 and its hostname) unless it is listed here
const liveTokens = new Set<string>();

const toRecord = (row: OwnerRow): OwnerRecord => ({
  pid: row.pid,
  hostname: row.hostname,
  startedAt: row.started_at,
  heartbeatAt: row.heartbeat_at,
});

/**
 * Single ownership of a file outbox: a row naming the owning process (pid, host, heartbeat). A second
 * process that finds a live owner refuses to start, so it never takes the first one's in-flight
 * attempts for interrupted ones. An owner whose pid is gone on this host, or whose heartbeat stopped,
 * is taken over. Claimed in an immediate transaction, so two processes starting at once cannot both win.
 */
export class OutboxOwner {
  readonly #db: SqliteDatabase;
  readonly #options: OutboxOwnerOptions;
  readonly #clock: () => number;
  readonly #token = randomUUID();
  readonly #pid: number;
  readonly #hostname: string;
  #heartbeat: NodeJS.Timeout | undefined;
  #owned = false;

  constructor(db: SqliteDatabase, options: OutboxOwnerOptions) {
    this.#db = db;
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    this.#pid = options.pid ?? process.pid;
    this.#hostname = options.hostname ?? osHostname();
  }

  /** takes the outbox, or throws OutboxInUseError naming the live owner; then keeps it with a heartbeat */
  acquire(): OwnerRecord | undefined {
    const staleAfter = this.#options.staleAfterMs ?? OWNER_STALE_AFTER_MS;
    const isAlive = this.#options.isAlive ?? processAlive;
    const takeover = this.#db.transaction((now: number): OwnerRecord | undefined => {
      const row = this.#db.prepare('SELECT * FROM outbox_owner WHERE id = 1').get() as OwnerRow | undefined;
      if (row) {
        const previous = toRecord(row);
        const deadHere =
          row.hostname === this.#hostname &&
          (row.pid === this.#pid ? !liveTokens.has(row.token) : !isAlive(row.pid, row.process_start));
        if (!deadHere && now - row.heartbeat_at < staleAfter) {
          throw new OutboxInUseError(this.#options.path, previous, now);
        }
      }
      this.#db
        .prepare(
          `INSERT INTO outbox_owner (id, token, pid, hostname, started_at, heartbeat_at, process_start)
             VALUES (1, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET token = excluded.token, pid = excluded.pid,
               hostname = excluded.hostname, started_at = excluded.started_at,
               heartbeat_at = excluded.heartbeat_at, process_start = excluded.process_start`,
        )
        .run(this.#token, this.#pid, this.#hostname, now, now, processStatus(this.#pid)?.start ?? null);
      return row && toRecord(row);
    });
    const previous = takeover.immediate(this.#clock());
    this.#owned = true;
    liveTokens.add(this.#token);
    this.#heartbeat = setInterval(() => this.beat(), this.#options.heartbeatMs ?? OWNER_HEARTBEAT_MS);
    this.#heartbeat.unref();
    return previous;
  }

  /** refreshes the heartbeat; false (and onLost) when another process has taken the outbox */
  beat(): boolean {
    if (!this.#owned) {
      return false;
    }
    const { changes } = this.#db
      .prepare('UPDATE outbox_owner SET heartbeat_at = ? WHERE id = 1 AND token = ?')
      .run(this.#clock(), this.#token);
    if (changes === 1) {
      return true;
    }
    this.#stopBeating();
    const row = this.#db.prepare('SELECT * FROM outbox_owner WHERE id = 1').get() as OwnerRow | undefined;
    this.#options.onLost?.(row && toRecord(row));
    return false;
  }

  /** gives the outbox up (on a clean stop), so the next process starts at once */
  release(): void {
    if (!this.#owned) {
      return;
    }
    this.#stopBeating();
    this.#db.prepare('DELETE FROM outbox_owner WHERE id = 1 AND token = ?').run(this.#token);
  }

  #stopBeating(): void {
    this.#owned = false;
    liveTokens.delete(this.#token);
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }
}
