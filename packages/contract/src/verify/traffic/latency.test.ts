import { describe, expect, test } from 'vitest';
import { latencyHistogram, summarizeLatency } from './latency.js';

describe('summarizeLatency', () => {
  test('nearest-rank percentiles and the worst answer', () => {
    const durations = Array.from({ length: 100 }, (_, index) => index + 1).reverse();
    expect(summarizeLatency(durations)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
  });

  test('one request is every percentile; none is all zero', () => {
    expect(summarizeLatency([7.4])).toEqual({ count: 1, p50: 7, p95: 7, p99: 7, max: 7 });
    expect(summarizeLatency([])).toEqual({ count: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });
});

describe('latencyHistogram', () => {
  test('counts each answer once, in the first bucket whose bound holds it', () => {
    const buckets = latencyHistogram([1, 10, 11, 240, 9000]);
    expect(buckets.find((bucket) => bucket.leMs === 10)?.count).toBe(2);
    expect(buckets.find((bucket) => bucket.leMs === 25)?.count).toBe(1);
    expect(buckets.find((bucket) => bucket.leMs === 250)?.count).toBe(1);
    expect(buckets.at(-1)).toEqual({ leMs: null, count: 1 });
    expect(buckets.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(5);
  });
});
