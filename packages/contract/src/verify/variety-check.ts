import fc from 'fast-check';
import type { Check } from './checks.js';
import { type CheckOutcome, expectDelivered } from './expectations.js';
import type { RunContext } from './run-context.js';
import type { Sender } from './target.js';
import { summarizeLatency } from './traffic/latency.js';
import { buildPayload, type VariedPayload } from './traffic/payload-builder.js';
import { COVER_SIZE, coverPlans, type PayloadPlan, payloadPlanArbitrary } from './traffic/payload-plan.js';

// --payloads events drawn by fast-check from --seed: the cover first, then random plans. a failure
// is shrunk (fewer traits, the first type, seed 0) within a small request budget, and reported with
// the seed that replays it

/** requests spent shrinking a failure, at most: each may cost a timeout */
export const SHRINK_REQUEST_BUDGET = 20;

interface Failure {
  payload: VariedPayload;
  reason: string;
  httpStatus?: number;
}

function describe(payload: VariedPayload): string {
  return `${payload.plan.type} (${payload.traits.join('; ')})`;
}

async function deliverPayload(
  send: Sender,
  context: RunContext,
  payload: VariedPayload,
  durations: number[],
): Promise<Failure | undefined> {
  for (const lead of context.source.preludeFor(payload.event)) {
    const response = await send(JSON.stringify(lead), { drainLate: true });
    durations.push(response.durationMs);
    const outcome = expectDelivered(response);
    if (outcome.status !== 'pass') {
      return { payload, reason: `the lead.created sent before it: ${outcome.reason}` };
    }
  }
  const response = await send(payload.body, { drainLate: true });
  durations.push(response.durationMs);
  const outcome = expectDelivered(response);
  if (outcome.status === 'pass') return undefined;
  const tooLarge = response.status === 413 ? ' (is --body-limit-bytes the receiver’s limit?)' : '';
  return {
    payload,
    reason: `${outcome.reason}${tooLarge}`,
    ...(outcome.httpStatus === undefined ? {} : { httpStatus: outcome.httpStatus }),
  };
}

async function payloadVariety(send: Sender, context: RunContext): Promise<CheckOutcome> {
  const { payloads, seed, bodyLimitBytes } = context.traffic;
  if (payloads === 0) return { status: 'skip', durationMs: 0, reason: '--payloads 0' };
  const started = performance.now();
  const durations: number[] = [];
  const failures = new Map<string, Failure>();
  let first: { index: number; failure: Failure } | undefined;
  let index = 0;
  let shrinkRequests = 0;
  const property = fc.asyncProperty(payloadPlanArbitrary(), async (plan: PayloadPlan) => {
    index += 1;
    if (context.signal.aborted) return true;
    if (first && ++shrinkRequests > SHRINK_REQUEST_BUDGET) return true;
    const payload = buildPayload(plan, context.source, { bodyLimitBytes });
    const failure = await deliverPayload(send, context, payload, durations);
    if (!failure) return true;
    failures.set(JSON.stringify(plan), failure);
    first ??= { index, failure };
    return false;
  });
  const remainingMs = Math.max(1, Math.round(context.deadlineAt - performance.now()));
  const run = await fc.check(property, {
    seed,
    numRuns: payloads,
    examples: coverPlans(payloads).map((plan) => [plan] as [PayloadPlan]),
    interruptAfterTimeLimit: remainingMs,
    markInterruptAsFailure: true,
  });
  const durationMs = Math.round(performance.now() - started);
  const latency = summarizeLatency(durations);
  const details = `${payloads} payloads, seed ${seed} (the first ${Math.min(payloads, COVER_SIZE)} cover every type and shape)`;
  if (!first) {
    if (context.signal.aborted || run.interrupted) {
      return {
        status: 'fail',
        durationMs,
        reason: 'stopped: the run reached its deadline',
        latency,
        details,
      };
    }
    return { status: 'pass', durationMs, httpStatus: 200, latency, details };
  }
  const shrunkPlan = run.counterexample?.[0];
  const shrunk = shrunkPlan ? failures.get(JSON.stringify(shrunkPlan)) : undefined;
  const { failure } = first;
  const smallest =
    shrunk && shrunk !== failure
      ? `; shrunk in ${run.numShrinks} steps to ${describe(shrunk.payload)}: ${shrunk.reason}`
      : '; no smaller payload fails';
  return {
    status: 'fail',
    durationMs,
    ...(failure.httpStatus === undefined ? {} : { httpStatus: failure.httpStatus }),
    reason: `payload ${first.index} of ${payloads} (--seed ${seed}), ${describe(failure.payload)}: ${failure.reason}${smallest}`,
    latency,
    details,
  };
}

export function varietyCheck(): Check {
  return {
    name: 'answers varied payloads of every type (non-ASCII, absent, null, empty, long, near the limit, drift)',
    run: (send, _target, context) => payloadVariety(send, context),
  };
}
