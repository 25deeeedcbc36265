import type { SqliteDatabase } from './sqlite-driver.js';

// a commit costs far more than the statements in it (an fsync, or at least a wal write): writes
// queued in the same turn of the event loop share one transaction, and so one commit

export interface GroupCommitOptions {
  /**
   * true (default): writes queued in the same turn of the event loop share one transaction, committed
   * on `setImmediate`; false: each write commits alone at once (the path before group commit, kept
   * for comparisons)
   */
  gather?: boolean | undefined;
  /**
   * called after each commit, before the writers in it are answered; when it returns a promise, they
   * are answered once it settles, and all of them get its error if it rejects. for durability done off
   * the event loop (the receiver fsyncs its wal here, with sqlite at synchronous=NORMAL). must not throw
   */
  afterCommit?: (() => Promise<void> | undefined) | undefined;
}

interface QueuedWrite {
  write: () => unknown;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Group commit on one connection. Each caller's promise settles only once its write is committed (and
 * `afterCommit` is done), so a caller that awaits it keeps its durability guarantee. Writes run in call
 * order. A write that throws rolls its batch back; the batch then runs again one write per
 * transaction, so only the failing caller gets the error and the others still commit.
 */
export class GroupCommit {
  readonly #db: SqliteDatabase;
  readonly #gather: boolean;
  readonly #afterCommit: (() => Promise<void> | undefined) | undefined;
  readonly #runBatch: (batch: readonly QueuedWrite[]) => unknown[];
  #queue: QueuedWrite[] = [];
  #flushScheduled = false;

  constructor(db: SqliteDatabase, options: GroupCommitOptions = {}) {
    this.#db = db;
    this.#gather = options.gather ?? true;
    this.#afterCommit = options.afterCommit;
    this.#runBatch = db.transaction((batch: readonly QueuedWrite[]) => batch.map((queued) => queued.write()));
  }

  /**
   * runs `write` (synchronous statements, no other side effect: it may run twice, once in a batch that
   * rolls back) in a transaction; resolves with what it returned once committed
   */
  run<T>(write: () => T): Promise<T> {
    if (!this.#gather) {
      let result: T;
      try {
        result = this.#db.transaction(write)();
      } catch (error) {
        return Promise.reject(error);
      }
      const synced = this.#afterCommit?.();
      return synced ? synced.then(() => result) : Promise.resolve(result);
    }
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ write, resolve: resolve as (result: unknown) => void, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        // setImmediate, not a microtask: requests handled in one poll phase all land in one batch
        setImmediate(() => this.flush());
      }
    });
  }

  /** commits the queued writes now (a store closing its connection); a no-op when none are queued */
  flush(): void {
    this.#flushScheduled = false;
    // the queue is bounded by the writers in flight: each awaits its write before queueing another
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    const outcomes = this.#commit(batch);
    const settle = (syncError?: unknown) => {
      for (const [index, queued] of batch.entries()) {
        const outcome = outcomes[index];
        if (syncError !== undefined) queued.reject(syncError);
        else if (outcome?.ok) queued.resolve(outcome.value);
        else queued.reject(outcome?.error ?? new Error('write lost its result'));
      }
    };
    const synced = this.#afterCommit?.();
    if (synced) synced.then(() => settle(), settle);
    else settle();
  }

  #commit(batch: readonly QueuedWrite[]): Outcome[] {
    try {
      return this.#runBatch(batch).map((value) => ({ ok: true, value }));
    } catch (error) {
      if (batch.length === 1) return [{ ok: false, error }];
    }
    // the whole batch rolled back: replay it one write per transaction to isolate the failure
    return batch.map((queued): Outcome => {
      try {
        return { ok: true, value: this.#runBatch([queued])[0] };
      } catch (error) {
        return { ok: false, error };
      }
    });
  }
}
