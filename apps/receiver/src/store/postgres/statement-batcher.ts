// group commit for a network database: calls that arrive while earlier statements are in flight wait
// and go together as one statement, so a burst costs a few round trips and commits instead of one each

/**
 * thrown by `run` when part of its batch is done for good (committed) and the rest failed with `cause`
 * having left nothing behind: the done calls get their results, and only the rest is retried or failed.
 * a retry must never repeat committed work: it would count a delivery twice
 */
export class PartialBatchFailure<O> extends Error {
  /** results of the done calls, by their index in the batch */
  readonly done: ReadonlyMap<number, O>;

  constructor(done: ReadonlyMap<number, O>, cause: unknown) {
    super('part of the batch failed', { cause });
    this.name = 'PartialBatchFailure';
    this.done = done;
  }
}

export interface StatementBatcherOptions<I, O> {
  /**
   * one statement (or transaction) for every item; results in the order of `items`. a failure leaves
   * nothing behind, or is a PartialBatchFailure naming what it did leave
   */
  run: (items: readonly I[]) => Promise<O[]>;
  /** largest batch */
  maxBatch: number;
  /** statements in flight at once, retries included; further calls queue up and form the next batch */
  maxInFlight: number;
  /** false: each call is sent at once (a batch of one), for comparison and tests */
  gather: boolean;
  /** whether an error concerns the batch's rows rather than the database: then each is retried alone */
  retryAlone: (error: unknown) => boolean;
  /**
   * whether the batch failed only for meeting another transaction (a deadlock, a serialization
   * failure): then it (its failed part) is run again, up to `maxRetries` times. default: never
   */
  retryBatch?: (error: unknown) => boolean;
  /** default 3 */
  maxRetries?: number;
}

export interface StatementBatcher<I, O> {
  add(item: I): Promise<O>;
  /** resolves once every call made so far is settled */
  drain(): Promise<void>;
}

interface Pending<I, O> {
  item: I;
  resolve: (result: O) => void;
  reject: (error: unknown) => void;
  /** its batch failed over some row: sent alone from now on */
  alone: boolean;
}

export function createStatementBatcher<I, O>(options: StatementBatcherOptions<I, O>): StatementBatcher<I, O> {
  const maxBatch = options.gather ? options.maxBatch : 1;
  const maxInFlight = options.gather ? options.maxInFlight : Number.POSITIVE_INFINITY;
  const maxRetries = options.maxRetries ?? 3;
  let pending: Pending<I, O>[] = [];
  const inFlight = new Set<Promise<void>>();
  let flushScheduled = false;

  async function runBatch(sent: readonly Pending<I, O>[]): Promise<void> {
    let batch = sent;
    for (let attempt = 0; ; attempt += 1) {
      let error: unknown;
      try {
        const results = await options.run(batch.map((entry) => entry.item));
        batch.forEach((entry, index) => {
          if (index < results.length) entry.resolve(results[index] as O);
          else entry.reject(new Error('statement lost a result'));
        });
        return;
      } catch (thrown) {
        error = thrown;
      }
      if (error instanceof PartialBatchFailure) {
        // the committed part is answered now; what follows (a retry, row by row or not) is the rest's
        const { done } = error as PartialBatchFailure<O>;
        batch.forEach((entry, index) => {
          if (done.has(index)) entry.resolve(done.get(index) as O);
        });
        batch = batch.filter((_, index) => !done.has(index));
        error = error.cause;
        if (batch.length === 0) return;
      }
      if (attempt < maxRetries && options.retryBatch?.(error)) continue;
      if (batch.length > 1 && options.retryAlone(error)) {
        // one bad row must not fail its batch-mates; they go first, within the same in-flight limit
        pending = [...batch.map((entry) => ({ ...entry, alone: true })), ...pending];
        return;
      }
      for (const entry of batch) entry.reject(error);
      return;
    }
  }

  /** the next batch: one call alone, or up to maxBatch gathered calls */
  function nextBatch(): Pending<I, O>[] {
    const first = pending[0];
    let size = 1;
    if (first && !first.alone) {
      while (size < maxBatch && size < pending.length && !pending[size]?.alone) size += 1;
    }
    const batch = pending.slice(0, size);
    pending = pending.slice(size);
    return batch;
  }

  function flush(): void {
    flushScheduled = false;
    while (pending.length > 0 && inFlight.size < maxInFlight) {
      const running = runBatch(nextBatch()).finally(() => {
        inFlight.delete(running);
        flush();
      });
      inFlight.add(running);
    }
  }

  return {
    add(item) {
      return new Promise<O>((resolve, reject) => {
        pending.push({ item, resolve, reject, alone: false });
        if (!options.gather) flush();
        else if (!flushScheduled) {
          flushScheduled = true;
          // calls made in the same tick share a batch even while nothing is in flight
          setImmediate(flush);
        }
      });
    },
    async drain() {
      while (pending.length > 0 || inFlight.size > 0) {
        flush();
        await Promise.allSettled([...inFlight]);
      }
    },
  };
}
