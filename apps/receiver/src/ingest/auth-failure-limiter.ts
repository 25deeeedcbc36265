// counts refused authentications (401) per client address in fixed windows; an address over the limit
// has its unauthenticated requests answered 429 until its window ends. memory is bounded: past
// `maxAddresses`, the address seen longest ago is forgotten

export interface AuthFailureLimiterOptions {
  /** failures allowed per window; 0 turns the limiter off */
  limit: number;
  windowMs: number;
  /** default 10 000 */
  maxAddresses?: number;
  now?: () => number;
}

export interface AuthFailureLimiter {
  /** ms until `address` may try again, or undefined when it is not limited */
  retryAfterMs(address: string): number | undefined;
  recordFailure(address: string): void;
  /** addresses tracked now (bounded by maxAddresses) */
  readonly size: number;
}

export function createAuthFailureLimiter(options: AuthFailureLimiterOptions): AuthFailureLimiter {
  const maxAddresses = options.maxAddresses ?? 10_000;
  const now = options.now ?? Date.now;
  const windows = new Map<string, { startedAt: number; failures: number }>();

  const current = (address: string) => {
    const window = windows.get(address);
    if (window && now() - window.startedAt >= options.windowMs) {
      windows.delete(address);
      return undefined;
    }
    return window;
  };

  return {
    retryAfterMs(address) {
      if (options.limit === 0) return undefined;
      const window = current(address);
      if (!window || window.failures < options.limit) return undefined;
      return window.startedAt + options.windowMs - now();
    },
    recordFailure(address) {
      if (options.limit === 0) return;
      const window = current(address) ?? { startedAt: now(), failures: 0 };
      window.failures += 1;
      // re-inserted last: the map's order is least recently failed first
      windows.delete(address);
      windows.set(address, window);
      if (windows.size > maxAddresses) {
        const oldest = windows.keys().next().value;
        if (oldest !== undefined) windows.delete(oldest);
      }
    },
    get size() {
      return windows.size;
    },
  };
}
