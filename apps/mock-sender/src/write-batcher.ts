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
  write: () => void;
  resolve: () => void;
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
  readonly #runBatch: (batch: readonly QueuedWrite[]) => void;
  #queue: QueuedWrite[] = [];
  #flushScheduled = false;

  constructor(db: SqliteDatabase, options: WriteBatcherOptions = {}) {
    this.#db = db;
    this.#gather = options.gather ?? true;
    this.#runBatch = db.transaction((batch: readonly QueuedWrite[]) => {
      for (const queued of batch) {
        queued.write();
      }
    });
  }

  /** runs `write` (synchronous statements, no other side effect) in a transaction; resolves once committed */
  run(write: () => void): Promise<void> {
    if (!this.#gather) {
      try {
        this.#db.transaction(write)();
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ write, resolve, reject });
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
    try {
      this.#runBatch(batch);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      // the whole batch rolled back: replay it one write per transaction to isolate the failure
      for (const queued of batch) {
        try {
          this.#runBatch([queued]);
        } catch (alone) {
          queued.reject(alone);
          continue;
        }
        queued.resolve();
      }
      return;
    }
    for (const queued of batch) {
      queued.resolve();
    }
  }
}
