import { LRUCache } from 'lru-cache';

export const MAX_FAILURES_PER_WINDOW = 10;
export const FAILURE_WINDOW_MS = 60_000;
/** addresses tracked at most: the least recently failing is forgotten first */
export const MAX_TRACKED_ADDRESSES = 10_000;

export interface FailedSignInsOptions {
  maxFailures?: number;
  windowMs?: number;
  maxAddresses?: number;
}

interface Window {
  failures: number;
  startedAt: number;
}

/**
 * Wrong tokens counted per client address in fixed windows: past `maxFailures` in a window the
 * address is refused until the window ends, right token or not, so a token cannot be guessed at
 * speed. Memory is bounded by `maxAddresses`.
 */
export class FailedSignIns {
  readonly #windows: LRUCache<string, Window>;
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #clock: () => number;

  constructor(options: FailedSignInsOptions = {}, clock: () => number = Date.now) {
    this.#maxFailures = options.maxFailures ?? MAX_FAILURES_PER_WINDOW;
    this.#windowMs = options.windowMs ?? FAILURE_WINDOW_MS;
    this.#clock = clock;
    this.#windows = new LRUCache({ max: options.maxAddresses ?? MAX_TRACKED_ADDRESSES });
  }

  get trackedAddresses(): number {
    return this.#windows.size;
  }

  /** milliseconds until `address` may try again, or 0 */
  blockedFor(address: string): number {
    const window = this.#current(address);
    if (!window || window.failures < this.#maxFailures) {
      return 0;
    }
    return window.startedAt + this.#windowMs - this.#clock();
  }

  recordFailure(address: string): void {
    const window = this.#current(address);
    if (window) {
      window.failures += 1;
    } else {
      this.#windows.set(address, { failures: 1, startedAt: this.#clock() });
    }
  }

  #current(address: string): Window | undefined {
    const window = this.#windows.get(address);
    if (window && this.#clock() - window.startedAt >= this.#windowMs) {
      this.#windows.delete(address);
      return undefined;
    }
    return window;
  }
}
