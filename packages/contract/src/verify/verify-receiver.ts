import { randomInt } from 'node:crypto';
import { type Check, conformanceChecks } from './checks.js';
import type { CheckOutcome } from './expectations.js';
import { redactCredentials } from './redact.js';
import { DEFAULT_TRAFFIC, type RunContext, type TrafficSettings } from './run-context.js';
import { createSender, type VerifyTarget } from './target.js';
import { targetWarnings } from './target-warnings.js';
import { createTrafficSource } from './traffic/traffic-source.js';

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
  /** the payload-variety seed: `--seed` with it sends the same payloads again */
  seed?: number;
  /** the checks the deadline left unrun (the run then counts as failed) */
  notRun?: string[];
}

export interface VerifyOptions {
  /** called after each check, for progress output */
  onResult?: (result: CheckResult) => void;
  /** called with each warning about the target, before the checks run */
  onWarning?: (warning: string) => void;
  checks?: Check[];
  /** how the traffic checks load the receiver; a random seed unless given */
  traffic?: Partial<TrafficSettings>;
  /** the whole run stops here and fails, reporting what ran (default 180 s) */
  deadlineMs?: number;
}

export const DEFAULT_DEADLINE_MS = 180_000;

/** a seed for the variety check when none is given: 31 bits, so it reads and types back easily */
export function randomSeed(): number {
  return randomInt(2 ** 31 - 1);
}

function deadlineResult(deadlineMs: number, notRun: readonly string[]): CheckResult {
  return {
    name: 'finishes within the deadline',
    status: 'fail',
    durationMs: 0,
    reason: `the run reached its deadline of ${deadlineMs / 1000} s: ${notRun.length} check(s) not run${notRun.length ? ` (${notRun.join('; ')})` : ''}`,
  };
}

/** runs the conformance checks one after the other against a receiver, within the deadline */
export async function verifyReceiver(
  target: VerifyTarget,
  options: VerifyOptions = {},
): Promise<VerificationReport> {
  const redact = (text: string) => redactCredentials(text, target);
  const warnings = targetWarnings(target.url).map(redact);
  for (const warning of warnings) options.onWarning?.(warning);
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const deadline = AbortSignal.timeout(deadlineMs);
  const started = performance.now();
  const traffic: TrafficSettings = { ...DEFAULT_TRAFFIC, seed: randomSeed(), ...options.traffic };
  const context: RunContext = {
    source: createTrafficSource(),
    traffic,
    signal: deadline,
    deadlineAt: started + deadlineMs,
    send: createSender(target, { signal: deadline }),
  };
  const checks = options.checks ?? conformanceChecks({ pathToken: target.pathToken !== undefined });
  const results: CheckResult[] = [];
  let notRun: string[] = [];
  for (const [index, check] of checks.entries()) {
    if (deadline.aborted) {
      notRun = checks.slice(index).map((each) => each.name);
      break;
    }
    const outcome = await check.run(context.send, target, context);
    // a check the deadline cut short fails, whatever its requests said before
    const cut = deadline.aborted && outcome.status !== 'skip';
    const result: CheckResult = {
      name: check.name,
      ...outcome,
      ...(cut
        ? { status: 'fail', reason: `stopped at the deadline${outcome.reason ? `: ${outcome.reason}` : ''}` }
        : {}),
    };
    if (result.reason) result.reason = redact(result.reason);
    results.push(result);
    options.onResult?.(result);
  }
  if (deadline.aborted) {
    const result = deadlineResult(deadlineMs, notRun);
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
    seed: traffic.seed,
    ...(notRun.length ? { notRun } : {}),
  };
}
