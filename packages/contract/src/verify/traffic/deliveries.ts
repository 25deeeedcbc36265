import type { WebhookEvent } from '@omni-webhooks/schema';
import { type CheckOutcome, expectDelivered } from '../expectations.js';
import type { ProbeResponse } from '../probe.js';
import type { Sender, SendOptions } from '../target.js';
import { summarizeLatency } from './latency.js';

// judging many deliveries as one check: each must be a 200 within the timeout

export interface Delivery {
  /** which request this was, for the failure message ("copy 3", "lead.updated, 1st of 6") */
  label: string;
  response: ProbeResponse;
}

/** sends events one after the other, stopping at the first not delivered */
export async function deliverInOrder(
  send: Sender,
  events: readonly { label: string; event: WebhookEvent }[],
  options: SendOptions = {},
): Promise<Delivery[]> {
  const deliveries: Delivery[] = [];
  for (const { label, event } of events) {
    const response = await send(JSON.stringify(event), { drainLate: true, ...options });
    deliveries.push({ label, response });
    if (expectDelivered(response).status !== 'pass') break;
  }
  return deliveries;
}

/** pass when every delivery was a 200 in time; else how many were not, and why the first was not */
export function judgeDeliveries(deliveries: readonly Delivery[], durationMs: number): CheckOutcome {
  const latency = summarizeLatency(deliveries.map((delivery) => delivery.response.durationMs));
  const failures = deliveries
    .map((delivery) => ({ delivery, outcome: expectDelivered(delivery.response) }))
    .filter(({ outcome }) => outcome.status !== 'pass');
  const first = failures[0];
  if (!first) return { status: 'pass', durationMs, httpStatus: 200, latency };
  const count = failures.length === 1 ? '' : ` (${failures.length} of ${deliveries.length} not delivered)`;
  return {
    status: 'fail',
    durationMs,
    ...(first.outcome.httpStatus === undefined ? {} : { httpStatus: first.outcome.httpStatus }),
    reason: `${first.delivery.label}: ${first.outcome.reason}${count}`,
    latency,
  };
}

export function ordinal(index: number): string {
  const n = index + 1;
  const suffix =
    n % 10 === 1 && n % 100 !== 11
      ? 'st'
      : n % 10 === 2 && n % 100 !== 12
        ? 'nd'
        : n % 10 === 3 && n % 100 !== 13
          ? 'rd'
          : 'th';
  return `${n}${suffix}`;
}
