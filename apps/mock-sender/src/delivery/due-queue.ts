// setTimeout fires at once for longer delays; a wake that far out re-arms when it comes
export const MAX_TIMER_MS = 2 ** 31 - 1;
// a store that failed is asked again after this, not in a tight loop
const RETRY_AFTER_ERROR_MS = 1000;

export interface DueQueueOptions<T> {
  /** the soonest due time of any waiting item, undefined when none waits */
  earliest: () => number | undefined;
  /** takes up to `limit` items due at `now` out of the queue, soonest first */
  claim: (now: number, limit: number) => readonly T[];
  /** called for each claimed item, in due order */
  wake: (item: T) => void;
  /**
   * how many more items may be woken now (free run slots); at 0 the queue stops claiming and stays
   * unarmed: the owner calls `notify(now)` when room frees up. Unbounded when left out.
   */
  capacity?: () => number;
  clock: () => number;
  /** the most items one claim query returns: bounds a query's result, not how many wake */
  batchSize: number;
  /** a failed claim or wake; the queue tries again a second later */
  onError: (error: unknown) => void;
}

/**
 * One timer for a set of waiting items kept elsewhere (the outbox): it is armed for the soonest due
 * time only, and when it fires due items are claimed and woken while there is capacity, then it re-arms
 * for the next soonest. Nothing is kept per waiting item; a due item beyond the capacity stays in the
 * store until the owner reports room with `notify`.
 */
export class DueQueue<T> {
  readonly #options: DueQueueOptions<T>;
  #timer: NodeJS.Timeout | undefined;
  #armedAt: number | undefined;
  #fired: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(options: DueQueueOptions<T>) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new RangeError(`due-queue batch size must be an integer >= 1, got ${options.batchSize}`);
    }
    this.#options = options;
  }

  /** when the timer fires next; undefined when nothing waits */
  get armedAt(): number | undefined {
    return this.#armedAt;
  }

  /** arms the timer for the soonest waiting item, as the store holds it now */
  start(): void {
    const earliest = this.#options.earliest();
    if (earliest === undefined) {
      this.#disarm();
    } else {
      this.#arm(earliest);
    }
  }

  /** an item now waits until `time`: the timer moves only if that is sooner than its current time */
  notify(time: number): void {
    if (this.#armedAt === undefined || time < this.#armedAt) {
      this.#arm(time);
    }
  }

  /** cancels the timer; waiting items stay in the store */
  stop(): void {
    this.#disarm();
    this.#settleFired();
  }

  /** resolves after the timer next fires and its due items were woken, or when the queue stops */
  nextWake(): Promise<void> {
    if (!this.#fired) {
      let resolve = (): void => undefined;
      const promise = new Promise<void>((done) => {
        resolve = done;
      });
      this.#fired = { promise, resolve };
    }
    return this.#fired.promise;
  }

  #arm(time: number): void {
    clearTimeout(this.#timer);
    this.#armedAt = time;
    const delay = Math.min(Math.max(0, time - this.#options.clock()), MAX_TIMER_MS);
    this.#timer = setTimeout(() => this.#fire(), delay);
  }

  #disarm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = undefined;
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedAt = undefined;
    const { claim, wake, clock, batchSize, onError } = this.#options;
    const capacity = this.#options.capacity ?? (() => Number.POSITIVE_INFINITY);
    const now = clock();
    try {
      let room = capacity();
      while (room > 0) {
        const limit = Math.min(room, batchSize);
        const batch = claim(now, limit);
        for (const item of batch) {
          wake(item);
        }
        room = capacity();
        // fewer than asked: nothing more is due (that may be woken now)
        if (batch.length < limit) {
          break;
        }
      }
      if (room > 0) {
        // items parked while waking are in the store: one query finds the soonest of them all
        this.start();
      }
    } catch (error) {
      onError(error);
      this.#arm(now + RETRY_AFTER_ERROR_MS);
    } finally {
      this.#settleFired();
    }
  }

  #settleFired(): void {
    const fired = this.#fired;
    this.#fired = undefined;
    fired?.resolve();
  }
}
