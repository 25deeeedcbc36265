/** at most `limit` tasks run at once; the others wait in arrival order */
export class ConcurrencyLimit {
  readonly #limit: number;
  readonly #waiting: (() => void)[] = [];
  #active = 0;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`concurrency limit must be an integer >= 1, got ${String(limit)}`);
    }
    this.#limit = limit;
  }

  get active(): number {
    return this.#active;
  }

  get pending(): number {
    return this.#waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#limit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#active++;
    }
    try {
      return await task();
    } finally {
      // hand the slot straight to the next waiter, so the active count never dips and overshoots
      const next = this.#waiting.shift();
      if (next) {
        next();
      } else {
        this.#active--;
      }
    }
  }
}

/** one limit per key (an endpoint), created on first use and dropped when idle */
export class KeyedConcurrencyLimit {
  readonly #limit: number;
  readonly #limits = new Map<string, ConcurrencyLimit>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let limit = this.#limits.get(key);
    if (!limit) {
      limit = new ConcurrencyLimit(this.#limit);
      this.#limits.set(key, limit);
    }
    try {
      return await limit.run(task);
    } finally {
      if (limit.active === 0 && limit.pending === 0) {
        this.#limits.delete(key);
      }
    }
  }
}
