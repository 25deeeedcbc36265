import { describe, expect, it } from 'vitest';
import { FailedSignIns } from './failed-sign-ins.js';

describe('FailedSignIns', () => {
  it('blocks an address past the limit until its window ends', () => {
    let now = 1_000_000;
    const failures = new FailedSignIns({ maxFailures: 3, windowMs: 60_000 }, () => now);
    for (let n = 0; n < 3; n++) {
      expect(failures.blockedFor('198.51.100.7')).toBe(0);
      failures.recordFailure('198.51.100.7');
    }
    expect(failures.blockedFor('198.51.100.7')).toBe(60_000);
    expect(failures.blockedFor('198.51.100.8')).toBe(0);
    now += 59_000;
    expect(failures.blockedFor('198.51.100.7')).toBe(1000);
    now += 1000;
    expect(failures.blockedFor('198.51.100.7')).toBe(0);
    failures.recordFailure('198.51.100.7');
    expect(failures.blockedFor('198.51.100.7')).toBe(0);
  });

  it('tracks a bounded number of addresses however many fail', () => {
    const failures = new FailedSignIns({ maxAddresses: 100 });
    for (let n = 0; n < 5000; n++) {
      failures.recordFailure(`10.0.${n >> 8}.${n & 255}`);
    }
    expect(failures.trackedAddresses).toBe(100);
  });
});
