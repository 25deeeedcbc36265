import { describe, expect, it } from 'vitest';
import { retryOptionsAfter, waitAfterAttempt } from './retry-schedule.js';

// the documented schedule written out (1, 2, 4 minutes): a test computing it from the contract's
// constants would follow them anywhere
describe('the retry schedule', () => {
  it('waits 60 s, 120 s, 240 s after attempts 1 to 3, and stops after attempt 4', () => {
    expect([1, 2, 3, 4].map((n) => waitAfterAttempt(n, 1))).toEqual([60_000, 120_000, 240_000, undefined]);
    expect(waitAfterAttempt(2, 0.01)).toBe(1200);
  });

  it('continues a resumed delivery at its place: the next wait is the one after its last attempt', () => {
    expect(retryOptionsAfter(0, 1)).toEqual({ retries: 3, minTimeout: 60_000, factor: 2 });
    expect(retryOptionsAfter(1, 1)).toEqual({ retries: 2, minTimeout: 120_000, factor: 2 });
    expect(retryOptionsAfter(2, 1)).toEqual({ retries: 1, minTimeout: 240_000, factor: 2 });
    expect(retryOptionsAfter(3, 1)).toMatchObject({ retries: 0 });
    expect(retryOptionsAfter(2, 0.5)).toMatchObject({ minTimeout: 120_000 });
  });
});
