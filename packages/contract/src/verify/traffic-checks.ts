import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebhookEvent } from '@omni-webhooks/schema';
import type { Check } from './checks.js';
import type { CheckOutcome } from './expectations.js';
import type { RunContext } from './run-context.js';
import type { Sender } from './target.js';
import { type Delivery, deliverInOrder, judgeDeliveries, ordinal } from './traffic/deliveries.js';
import type { JourneyOrder } from './traffic/traffic-source.js';

// checks that send what omniai's real traffic looks like: many deliveries at once, copies of one,
// events out of order, a retry after a pause. each is judged as omniai judges: a 200 within the timeout

function skipped(reason: string): CheckOutcome {
  return { status: 'skip', durationMs: 0, reason };
}

const since = (started: number) => Math.round(performance.now() - started);
const messageId = () => `msg_${randomUUID().replaceAll('-', '')}`;

/** the lead.created events a check sends first, so its lead events follow a lead the receiver has seen */
async function sendPrelude(send: Sender, events: readonly WebhookEvent[], started: number) {
  const deliveries = await deliverInOrder(
    send,
    events.map((event) => ({ label: `before the traffic, ${event.event}`, event })),
  );
  const outcome = judgeDeliveries(deliveries, since(started));
  return outcome.status === 'pass' ? undefined : outcome;
}

async function burst(send: Sender, context: RunContext): Promise<CheckOutcome> {
  const count = context.traffic.burst;
  if (count === 0) return skipped('--burst 0');
  const started = performance.now();
  const { prelude, events } = context.source.mixed(count);
  const refused = await sendPrelude(send, prelude, started);
  if (refused) return refused;
  const bodies = [...events].map((event) => JSON.stringify(event));
  const burstStarted = performance.now();
  const responses = await Promise.all(bodies.map((body) => send(body, { drainLate: true })));
  const deliveries = responses.map((response, index) => ({
    label: `event ${index + 1} of ${count} sent at once`,
    response,
  }));
  return { ...judgeDeliveries(deliveries, since(burstStarted)), details: `${count} distinct events at once` };
}

async function concurrentDuplicates(send: Sender, context: RunContext): Promise<CheckOutcome> {
  const copies = context.traffic.duplicates;
  if (copies === 0) return skipped('--duplicates 0');
  const started = performance.now();
  // one delivery, its copies byte for byte, and with --sign one webhook-id: what a retry storm looks like
  const body = JSON.stringify(context.source.event('document.extracted'));
  const options = { messageId: messageId(), drainLate: true };
  let firstAnswered = false;
  const round = (name: string) =>
    Array.from({ length: copies }, async (_, index): Promise<Delivery> => {
      const response = await send(body, options);
      firstAnswered = true;
      return { label: `copy ${index + 1} of ${copies} ${name}`, response };
    });
  const atOnce = round('sent at once');
  // the second round goes out while the first is still being answered (a tick later, not after it)
  await sleep(1, undefined, { signal: context.signal }).catch(() => undefined);
  const whileInFlight = firstAnswered ? [] : round('sent again while the first were in flight');
  const deliveries = await Promise.all([...atOnce, ...whileInFlight]);
  const outcome = judgeDeliveries(deliveries, since(started));
  const details = whileInFlight.length
    ? `${copies} copies at once, ${copies} more while in flight`
    : `${copies} copies at once (answered before a second round could start)`;
  return { ...outcome, details };
}

async function journey(send: Sender, context: RunContext, order: JourneyOrder): Promise<Delivery[]> {
  const events = context.source.leadJourney(order);
  return deliverInOrder(
    send,
    events.map((event, index) => ({
      label: `${order} journey, ${event.event} (${ordinal(index)} of ${events.length})`,
      event,
    })),
  );
}

async function journeyOrder(send: Sender, context: RunContext): Promise<CheckOutcome> {
  if (!context.traffic.journeys) return skipped('--no-journeys');
  const started = performance.now();
  const inOrder = await journey(send, context, 'in-order');
  const outOfOrder = await journey(send, context, 'out-of-order');
  return {
    ...judgeDeliveries([...inOrder, ...outOfOrder], since(started)),
    details: 'a lead journey in order, then one with lead.updated and document.extracted first',
  };
}

async function redelivery(send: Sender, context: RunContext): Promise<CheckOutcome> {
  if (!context.traffic.redelivery) return skipped('--no-redelivery');
  const started = performance.now();
  const pauseMs = context.traffic.redeliveryPauseMs;
  const body = JSON.stringify(context.source.event('document.received'));
  const options = { messageId: messageId(), drainLate: true };
  const first: Delivery = { label: 'first delivery', response: await send(body, options) };
  const firstOutcome = judgeDeliveries([first], since(started));
  if (firstOutcome.status !== 'pass') return firstOutcome;
  await sleep(pauseMs, undefined, { signal: context.signal }).catch(() => undefined);
  const again: Delivery = { label: `redelivery after ${pauseMs} ms`, response: await send(body, options) };
  return {
    ...judgeDeliveries([first, again], since(started)),
    details: `the same event again after ${pauseMs} ms`,
  };
}

/** the traffic checks, in the order they run (sustained load is in sustained-load.ts) */
export function trafficChecks(): Check[] {
  const run =
    (check: (send: Sender, context: RunContext) => Promise<CheckOutcome>): Check['run'] =>
    (send, _target, context) =>
      check(send, context);
  return [
    { name: 'answers a burst of distinct events sent at once', run: run(burst) },
    { name: 'answers copies of one delivery arriving together', run: run(concurrentDuplicates) },
    { name: 'answers a lead journey in order and out of order', run: run(journeyOrder) },
    { name: 'answers a redelivery after a pause', run: run(redelivery) },
  ];
}
