import type { CheckResult, VerificationReport } from './verify-receiver.js';

const MARKS = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;

/** `PASS   12 ms  200  delivers lead.created (...)`, then the reason for a failure or skip */
export function formatResult(result: CheckResult): string {
  const status = result.httpStatus === undefined ? '   ' : String(result.httpStatus);
  const line = `${MARKS[result.status]} ${String(result.durationMs).padStart(5)} ms  ${status}  ${result.name}`;
  return result.reason ? `${line}\n${' '.repeat(19)}${result.reason}` : line;
}

/** the closing line: `N passed, N failed, N skipped` */
export function formatSummary(report: VerificationReport): string {
  return `${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`;
}
