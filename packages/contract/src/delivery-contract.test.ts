import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SECRET_HEADER,
  DELIVERY_TIMEOUT_MS,
  isSuccessStatus,
  MAX_ATTEMPTS,
  RETRY_SCHEDULE,
  retryDelayMs,
} from './delivery-contract.js';

describe('delivery contract', () => {
  it('states the documented numbers', () => {
    expect(DELIVERY_TIMEOUT_MS).toBe(5000);
    expect(RETRY_SCHEDULE).toEqual({ firstDelayMs: 60_000, factor: 2, maxRetries: 3 });
    expect(MAX_ATTEMPTS).toBe(4);
    expect(DEFAULT_SECRET_HEADER).toBe('x-webhook-secret');
  });

  it('waits 1, 2 then 4 minutes between attempts', () => {
    expect([1, 2, 3].map(retryDelayMs)).toEqual([60_000, 120_000, 240_000]);
  });

  it('refuses retry numbers that are not positive integers', () => {
    expect(() => retryDelayMs(0)).toThrow(RangeError);
    expect(() => retryDelayMs(1.5)).toThrow(/retryNumber/);
    expect(() => retryDelayMs(Number.NaN)).toThrow(RangeError);
  });

  it('counts only 200 as success by default', () => {
    expect(isSuccessStatus(200)).toBe(true);
    for (const status of [201, 202, 204, 301, 400, 500]) {
      expect(isSuccessStatus(status)).toBe(false);
    }
  });

  it('accepts any 2xx under the opt-in rule', () => {
    expect([200, 202, 204, 299].every((status) => isSuccessStatus(status, '2xx'))).toBe(true);
    expect([199, 300, 500].some((status) => isSuccessStatus(status, '2xx'))).toBe(false);
  });
});
