// answer times of a traffic check, summarised the way a capacity question is asked: the typical
// answer, the slow tail and the worst one

export interface LatencySummary {
  /** requests measured */
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** nearest-rank percentiles of the durations, in whole milliseconds */
export function summarizeLatency(durationsMs: readonly number[]): LatencySummary {
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const rank = (fraction: number) =>
    sorted.length === 0 ? 0 : (sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)] ?? 0);
  return {
    count: sorted.length,
    p50: Math.round(rank(0.5)),
    p95: Math.round(rank(0.95)),
    p99: Math.round(rank(0.99)),
    max: Math.round(sorted.at(-1) ?? 0),
  };
}

/** upper bounds (ms) of the histogram buckets; the last bucket holds everything above */
export const LATENCY_BUCKETS_MS = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000] as const;

export interface LatencyBucket {
  /** answers at or under this many ms (and over the previous bound); `null` for the bucket past the last bound */
  leMs: number | null;
  count: number;
}

/** how many answers fell in each bucket, for the sustained-load report */
export function latencyHistogram(durationsMs: readonly number[]): LatencyBucket[] {
  const buckets: LatencyBucket[] = [
    ...LATENCY_BUCKETS_MS.map((leMs) => ({ leMs, count: 0 })),
    { leMs: null, count: 0 },
  ];
  for (const duration of durationsMs) {
    const index = LATENCY_BUCKETS_MS.findIndex((bound) => duration <= bound);
    const bucket = buckets[index === -1 ? buckets.length - 1 : index];
    if (bucket) bucket.count += 1;
  }
  return buckets;
}

/** `p50 12 ms  p95 40 ms  p99 51 ms  max 52 ms  (32 requests)` */
export function formatLatency(summary: LatencySummary): string {
  return `p50 ${summary.p50} ms  p95 ${summary.p95} ms  p99 ${summary.p99} ms  max ${summary.max} ms  (${summary.count} requests)`;
}

/** `≤10 ms 12 · ≤25 ms 30 · … · >5000 ms 0` */
export function formatHistogram(buckets: readonly LatencyBucket[]): string {
  const last = LATENCY_BUCKETS_MS.at(-1);
  return buckets
    .map((bucket) => `${bucket.leMs === null ? `>${last}` : `≤${bucket.leMs}`} ms ${bucket.count}`)
    .join(' · ');
}
