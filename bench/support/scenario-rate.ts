// `omni-mock scenario` against `omni-mock send`: the same deliveries (a plan's bodies) to the same
// loopback endpoint, both from an in-memory outbox through the delivery engine; the scenario adds the
// player (due times, one delivery at a time per lead, duplicates), send hands every event over at once
import { DEFAULT_SECRET_HEADER, DELIVERY_TIMEOUT_MS } from '@omni-webhooks/contract';
import {
  createInMemoryDeliverer,
  DeliveryEngine,
  Outbox,
  openDatabase,
  ScenarioPlayer,
  summarizeRun,
} from '@omni-webhooks/mock-sender';
import { builtInScenario, createScenarioPlan, type ScenarioPlan } from '@omni-webhooks/schema/fixtures';

const target = (url: string) => ({
  endpointId: 'bench',
  url,
  secret: 'bench-secret',
  secretHeader: DEFAULT_SECRET_HEADER,
  sign: false,
});

/** a plan of about `count` deliveries, due at once (speed 10^6), with 5 % duplicates */
export function benchPlan(count: number, concurrency: number): ScenarioPlan {
  const scenario = builtInScenario('lead-journey');
  // lead-journey averages about 11 deliveries a journey
  return createScenarioPlan(scenario, {
    leads: Math.max(1, Math.round(count / 11)),
    speed: 1_000_000,
    duplicates: 0.05,
    concurrency,
    seed: 7,
  });
}

/** deliveries/s of `omni-mock scenario`'s path: the player on an in-memory engine */
export async function scenarioRate(url: string, plan: ScenarioPlan): Promise<number> {
  const deliverer = createInMemoryDeliverer({ target: target(url), concurrency: plan.knobs.concurrency });
  const started = performance.now();
  try {
    const summary = summarizeRun(await new ScenarioPlayer({ plan, deliverer }).play());
    if (summary.deliveries !== plan.deliveries.length || summary.failed > 0) {
      throw new Error(
        `the scenario delivered ${summary.deliveries - summary.failed} of ${plan.deliveries.length}`,
      );
    }
  } finally {
    await deliverer.close();
  }
  return plan.deliveries.length / ((performance.now() - started) / 1000);
}

/** deliveries/s of `omni-mock send`'s path (deliverInMemory): every event enqueued and scheduled at once */
export async function sendRate(url: string, plan: ScenarioPlan, concurrency: number): Promise<number> {
  const db = openDatabase('file::memory:');
  try {
    const outbox = new Outbox(db);
    const engine = new DeliveryEngine({
      outbox,
      timeoutMs: DELIVERY_TIMEOUT_MS,
      retryTimeScale: 1,
      successRule: '200',
      concurrency,
      endpointConcurrency: concurrency,
    });
    const events = plan.deliveries.map((delivery, index) => ({
      id: `msg_${index}`,
      type: delivery.type,
      body: delivery.body,
    }));
    const started = performance.now();
    const ids = outbox.enqueue(events, () => [target(url)], Date.now()).map((delivery) => delivery.id);
    engine.scheduleAll(ids);
    await engine.idle();
    const seconds = (performance.now() - started) / 1000;
    const succeeded = outbox.list({ state: 'succeeded', limit: events.length }).deliveries.length;
    if (succeeded !== events.length) throw new Error(`send delivered ${succeeded} of ${events.length}`);
    return events.length / seconds;
  } finally {
    db.close();
  }
}
