import { describe, expect, it } from 'vitest';
import { createAuthFailureLimiter } from './auth-failure-limiter.js';

describe('createAuthFailureLimiter', () => {
  it('limits an address after `limit` failures until its window ends', () => {
    let now = 0;
    const limiter = createAuthFailureLimiter({ limit: 2, windowMs: 1000, now: () => now });
    limiter.recordFailure('a');
    expect(limiter.retryAfterMs('a')).toBeUndefined();
    limiter.recordFailure('a');
    now = 400;
    expect(limiter.retryAfterMs('a')).toBe(600);
    expect(limiter.retryAfterMs('b')).toBeUndefined();
    now = 1000;
    expect(limiter.retryAfterMs('a')).toBeUndefined();
  });

  it('keeps at most maxAddresses, forgetting the one that failed longest ago', () => {
    const limiter = createAuthFailureLimiter({ limit: 1, windowMs: 60_000, maxAddresses: 100 });
    for (let i = 0; i < 10_000; i++) limiter.recordFailure(`10.0.${i >> 8}.${i & 255}`);
    expect(limiter.size).toBe(100);
    expect(limiter.retryAfterMs('10.0.0.0')).toBeUndefined();
    expect(limiter.retryAfterMs('10.0.39.15')).toBeGreaterThan(0);
  });

  it('is off with a limit of 0', () => {
    const limiter = createAuthFailureLimiter({ limit: 0, windowMs: 1000 });
    for (let i = 0; i < 5; i++) limiter.recordFailure('a');
    expect([limiter.retryAfterMs('a'), limiter.size]).toEqual([undefined, 0]);
  });
});
