import { formatHistogram, formatLatency } from './traffic/latency.js';
import type { CheckResult, VerificationReport } from './verify-receiver.js';

const MARKS = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;
const INDENT = ' '.repeat(19);

/**
 * `PASS   12 ms  200  delivers lead.created (...)`, then the reason for a failure or skip, and for a
 * traffic check its answer times (`latency p50 … max …`, and the sustained load's histogram)
 */
export function formatResult(result: CheckResult): string {
  const status = result.httpStatus === undefined ? '   ' : String(result.httpStatus);
  const lines = [
    `${MARKS[result.status]} ${String(result.durationMs).padStart(5)} ms  ${status}  ${result.name}`,
  ];
  if (result.reason) lines.push(`${INDENT}${result.reason}`);
  if (result.latency) lines.push(`${INDENT}latency ${formatLatency(result.latency)}`);
  if (result.histogram) lines.push(`${INDENT}histogram ${formatHistogram(result.histogram)}`);
  return lines.join('\n');
}

/** the closing line: `N passed, N failed, N skipped` */
export function formatSummary(report: VerificationReport): string {
  return `${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`;
}
