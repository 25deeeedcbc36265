import { setTimeout as sleep } from 'node:timers/promises';
import type { Check } from './checks.js';
import type { CheckOutcome } from './expectations.js';
import type { RunContext } from './run-context.js';
import type { Sender } from './target.js';
import { type Delivery, deliverInOrder, judgeDeliveries } from './traffic/deliveries.js';
import { latencyHistogram } from './traffic/latency.js';

// open loop: request i leaves at start + i / rate whatever the answers do, as omniai's traffic does
// not wait for a slow receiver. at most maxInFlight requests are open: one due past that is counted as
// not sent (the receiver fell behind) rather than queued, so memory stays bounded

async function sustainedLoad(send: Sender, context: RunContext): Promise<CheckOutcome> {
  const { rate, durationS, maxInFlight } = context.traffic;
  if (!rate || !durationS)
    return { status: 'skip', durationMs: 0, reason: 'off unless --rate and --duration are given' };
  const total = Math.max(1, Math.round(rate * durationS));
  const { prelude, events } = context.source.mixed(total);
  const before = await deliverInOrder(
    send,
    prelude.map((event) => ({ label: `before the load, ${event.event}`, event })),
  );
  const announced = judgeDeliveries(before, 0);
  if (announced.status !== 'pass') return announced;

  const started = performance.now();
  const iterator = events[Symbol.iterator]();
  const open = new Set<Promise<void>>();
  const deliveries: Delivery[] = [];
  let notSent = 0;
  for (let index = 0; index < total && !context.signal.aborted; index += 1) {
    const dueIn = started + (index * 1000) / rate - performance.now();
    if (dueIn > 1) await sleep(dueIn, undefined, { signal: context.signal }).catch(() => undefined);
    const next = iterator.next();
    if (next.done) break;
    if (open.size >= maxInFlight) {
      notSent += 1;
      continue;
    }
    const request = send(JSON.stringify(next.value)).then((response) => {
      deliveries.push({ label: `request ${index + 1} of ${total}`, response });
      open.delete(request);
    });
    open.add(request);
  }
  await Promise.all(open);
  const durationMs = Math.round(performance.now() - started);
  const outcome = judgeDeliveries(deliveries, durationMs);
  const histogram = latencyHistogram(deliveries.map((delivery) => delivery.response.durationMs));
  const details = `${rate}/s for ${durationS} s, open-loop: ${deliveries.length} sent`;
  if (notSent > 0) {
    return {
      ...outcome,
      status: 'fail',
      reason: `${notSent} of ${total} requests not sent: ${maxInFlight} were still open when they were due (the receiver fell behind the rate)`,
      histogram,
      details,
    };
  }
  return { ...outcome, histogram, details };
}

export function sustainedLoadCheck(): Check {
  return {
    name: 'keeps up with a sustained rate of deliveries',
    run: (send, _target, context) => sustainedLoad(send, context),
  };
}
