// what a played run comes to: the counts a staging run is judged by, and their printed form
import type { PlayedDelivery, PlayResult } from './scenario-progress.js';

export interface AnswerTimes {
  p50: number;
  p95: number;
  p99: number;
}

export interface RunSummary {
  scenario: string;
  journeys: number;
  /** deliveries in the plan, duplicates included */
  planned: number;
  /** settled in this run */
  deliveries: number;
  /** settled in an earlier run (resume), not sent again */
  skipped: number;
  /** neither: left by an abort */
  unsettled: number;
  /** succeeded on their first attempt */
  firstAttemptSuccesses: number;
  /** succeeded after one retry or more */
  retried: number;
  /** no attempt succeeded */
  failed: number;
  /** duplicates sent (settled in this run) */
  duplicates: number;
  /** originals that arrived before an earlier event of their journey */
  outOfOrder: number;
  /** ms an attempt took to be answered (attempts that got an HTTP status); undefined without one */
  answerMs: AnswerTimes | undefined;
  elapsedMs: number;
  deliveriesPerSecond: number;
  aborted: boolean;
}

/** nearest rank of a sorted list */
function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}

/** arrivals (successful originals, in settle order) before an earlier event of their journey */
export function countOutOfOrderArrivals(played: readonly PlayedDelivery[]): number {
  const byJourney = new Map<number, PlayedDelivery[]>();
  for (const item of played) {
    if (item.state !== 'succeeded' || item.delivery.duplicateOf !== undefined) continue;
    const journey = byJourney.get(item.delivery.journeyIndex) ?? [];
    journey.push(item);
    byJourney.set(item.delivery.journeyIndex, journey);
  }
  let count = 0;
  for (const journey of byJourney.values()) {
    journey.sort((a, b) => a.settleOrder - b.settleOrder);
    // walking back from the last arrival: an arrival is early when one after it is earlier in the journey
    let smallestLater = Number.POSITIVE_INFINITY;
    for (let i = journey.length - 1; i >= 0; i -= 1) {
      const sequence = (journey[i] as PlayedDelivery).delivery.sequence;
      if (sequence > smallestLater) count += 1;
      smallestLater = Math.min(smallestLater, sequence);
    }
  }
  return count;
}

export function summarizeRun(result: PlayResult): RunSummary {
  const { played } = result;
  const succeeded = played.filter((item) => item.state === 'succeeded');
  const firstAttemptSuccesses = succeeded.filter((item) => item.attempts.length === 1).length;
  const answers = played
    .flatMap((item) => item.attempts)
    .filter((attempt) => attempt.status !== null)
    .map((attempt) => attempt.durationMs)
    .sort((a, b) => a - b);
  return {
    scenario: result.scenario,
    journeys: result.journeys,
    planned: result.planned,
    deliveries: played.length,
    skipped: result.skipped,
    unsettled: result.planned - result.skipped - played.length,
    firstAttemptSuccesses,
    retried: succeeded.length - firstAttemptSuccesses,
    failed: played.length - succeeded.length,
    duplicates: played.filter((item) => item.delivery.duplicateOf !== undefined).length,
    outOfOrder: countOutOfOrderArrivals(played),
    answerMs: answers.length
      ? { p50: percentile(answers, 50), p95: percentile(answers, 95), p99: percentile(answers, 99) }
      : undefined,
    elapsedMs: result.elapsedMs,
    deliveriesPerSecond: result.elapsedMs > 0 ? (played.length * 1000) / result.elapsedMs : 0,
    aborted: result.aborted,
  };
}

/** the labels of the summary lines, in order (the README lists them) */
export const SUMMARY_LINES = [
  'journeys',
  'deliveries',
  'first-attempt successes',
  'retried',
  'failed',
  'duplicates sent',
  'out-of-order arrivals',
  'answer time',
] as const;

export function formatSummary(summary: RunSummary): string {
  const seconds = (summary.elapsedMs / 1000).toFixed(1);
  const extra = [
    summary.skipped ? `${summary.skipped} settled before` : '',
    summary.unsettled ? `${summary.unsettled} not settled${summary.aborted ? ' (aborted)' : ''}` : '',
  ].filter(Boolean);
  const values: Record<(typeof SUMMARY_LINES)[number], string> = {
    journeys: String(summary.journeys),
    deliveries: `${summary.deliveries} of ${summary.planned} planned in ${seconds} s (${Math.round(summary.deliveriesPerSecond)}/s)${extra.length ? `, ${extra.join(', ')}` : ''}`,
    'first-attempt successes': String(summary.firstAttemptSuccesses),
    retried: String(summary.retried),
    failed: String(summary.failed),
    'duplicates sent': String(summary.duplicates),
    'out-of-order arrivals': String(summary.outOfOrder),
    'answer time': summary.answerMs
      ? `p50 ${summary.answerMs.p50} ms  p95 ${summary.answerMs.p95} ms  p99 ${summary.answerMs.p99} ms`
      : '-',
  };
  const width = Math.max(...SUMMARY_LINES.map((label) => label.length));
  const lines = SUMMARY_LINES.map((label) => `  ${label.padEnd(width)}  ${values[label]}`);
  return `scenario ${summary.scenario}\n${lines.join('\n')}\n`;
}
