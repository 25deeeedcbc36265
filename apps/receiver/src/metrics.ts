import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { InboxReader } from './store/inbox-store.js';

export interface ReceiverMetrics {
  registry: Registry;
  received: Counter<'type' | 'outcome'>;
  duplicates: Counter<'type'>;
  rejected: Counter<'type'>;
  ackDuration: Histogram<'outcome'>;
  handlerDuration: Histogram<'type' | 'result'>;
  handlerFailures: Counter<'type'>;
}

/** metrics in their own registry, so a host app's default registry is left alone */
export function createReceiverMetrics(
  options: { store?: InboxReader; registry?: Registry; logger?: Logger } = {},
): ReceiverMetrics {
  const registry = options.registry ?? new Registry();
  const { store, logger } = options;
  const metrics: ReceiverMetrics = {
    registry,
    received: new Counter({
      name: 'omni_receiver_events_received_total',
      help: 'webhook deliveries answered, by event type (unknown/none when not known) and outcome code',
      labelNames: ['type', 'outcome'],
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'omni_receiver_duplicates_total',
      help: 'deliveries whose dedupe key was already stored',
      labelNames: ['type'],
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'omni_receiver_rejected_total',
      help: 'authenticated events of a known type that failed the schema (stored as rejected)',
      labelNames: ['type'],
      registers: [registry],
    }),
    ackDuration: new Histogram({
      name: 'omni_receiver_ack_duration_seconds',
      help: 'time from request start to the response of POST /webhooks/omniai',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    handlerDuration: new Histogram({
      name: 'omni_receiver_handler_duration_seconds',
      help: 'time spent running the handlers of one event attempt',
      labelNames: ['type', 'result'],
      buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 1, 5, 30],
      registers: [registry],
    }),
    handlerFailures: new Counter({
      name: 'omni_receiver_handler_failures_total',
      help: 'handler attempts that threw',
      labelNames: ['type'],
      registers: [registry],
    }),
  };
  if (store) {
    new Gauge({
      name: 'omni_receiver_inbox_events',
      help: 'stored events by status; status="received" is the handler backlog',
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        let counts: Record<string, number>;
        try {
          counts = await store.countByStatus();
        } catch (error) {
          // a scrape during a database outage still gets every other metric; no stale counts either
          this.reset();
          logger?.warn(
            { error: error instanceof Error ? error.message : String(error) },
            'inbox counts unavailable; omni_receiver_inbox_events left out of this scrape',
          );
          return;
        }
        for (const [status, count] of Object.entries(counts)) this.set({ status }, count);
      },
    });
  }
  return metrics;
}

/** bounded label: known names as they are, anything else folded */
export function typeLabel(type: string | undefined, known: (value: string) => boolean): string {
  if (type === undefined) return 'none';
  return known(type) ? type : 'unknown';
}
