import type { SqliteDatabase } from './database.js';

export interface WriteBatcherOptions {
  /**
   * true (default): writes queued in the same turn of the event loop share one transaction, committed
   * on `setImmediate`; false: each write commits alone at once (the path before group commit, kept
   * for the bench's comparison)
   */
  gather?: boolean | undefined;
}

interface QueuedWrite {
  write: () => unknown;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for the outbox's attempt writes: concurrent deliveries each write twice per attempt,
 * and a commit costs far more than the statements in it. Each caller's promise settles only once its
 * write is committed, so a caller that awaits it keeps its durability guarantee. Writes run in call
 * order. A write that throws rolls its batch back; the batch then runs again one write per
 * transaction, so only the failing caller gets the error and the others still commit.
 */
export class WriteBatcher {
  readonly #db: SqliteDatabase;
  readonly #gather: boolean;
  readonly #runBatch: (batch: readonly QueuedWrite[]) => unknown[];
  #queue: QueuedWrite[] = [];
  #flushScheduled = false;

  constructor(db: SqliteDatabase, options: WriteBatcherOptions = {}) {
    this.#db = db;
    this.#gather = options.gather ?? true;
    this.#runBatch = db.transaction((batch: readonly QueuedWrite[]) => batch.map((queued) => queued.write()));
  }

  /**
   * runs `write` (synchronous statements, no other side effect) in a transaction; resolves with what it
   * returned once committed
   */
  run<T>(write: () => T): Promise<T> {
    if (!this.#gather) {
      try {
        return Promise.resolve(this.#db.transaction(write)());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ write, resolve: resolve as (result: unknown) => void, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        // setImmediate, not a microtask: responses handled in one poll phase all land in one batch
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#flushScheduled = false;
    // the queue is bounded by the writers in flight: each awaits its write before queueing another
    const batch = this.#queue;
    this.#queue = [];
    let results: unknown[];
    try {
      results = this.#runBatch(batch);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      // the whole batch rolled back: replay it one write per transaction to isolate the failure
      for (const queued of batch) {
        let result: unknown;
        try {
          [result] = this.#runBatch([queued]);
        } catch (alone) {
          queued.reject(alone);
          continue;
        }
        queued.resolve(result);
      }
      return;
    }
    for (const [index, queued] of batch.entries()) {
      queued.resolve(results[index]);
    }
  }
}
