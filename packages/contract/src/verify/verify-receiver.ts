import { type Check, conformanceChecks } from './checks.js';
import type { CheckOutcome } from './expectations.js';
import { createSender, type VerifyTarget } from './target.js';
import { targetWarnings } from './target-warnings.js';

export interface CheckResult extends CheckOutcome {
  name: string;
}

export interface VerificationReport {
  url: string;
  results: CheckResult[];
  passed: number;
  failed: number;
  skipped: number;
  durationMs: number;
  /** concerns about the target itself (e.g. plain http off this machine), one line each; verifyReceiver always sets it */
  warnings?: string[];
}

export interface VerifyOptions {
  /** called after each check, for progress output */
  onResult?: (result: CheckResult) => void;
  /** called with each warning about the target, before the checks run */
  onWarning?: (warning: string) => void;
  checks?: Check[];
}

/** runs the conformance checks one after the other against a receiver */
export async function verifyReceiver(
  target: VerifyTarget,
  options: VerifyOptions = {},
): Promise<VerificationReport> {
  const warnings = targetWarnings(target.url);
  for (const warning of warnings) options.onWarning?.(warning);
  const send = createSender(target);
  const started = performance.now();
  const results: CheckResult[] = [];
  for (const check of options.checks ?? conformanceChecks()) {
    const result = { name: check.name, ...(await check.run(send, target)) };
    results.push(result);
    options.onResult?.(result);
  }
  const count = (status: CheckResult['status']) =>
    results.filter((result) => result.status === status).length;
  return {
    url: target.url,
    results,
    passed: count('pass'),
    failed: count('fail'),
    skipped: count('skip'),
    durationMs: Math.round(performance.now() - started),
    warnings,
  };
}
