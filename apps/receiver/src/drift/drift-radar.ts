import {
  detectSchemaDriftReport,
  driftShapeKey,
  isWebhookEventType,
  MAX_DRIFT_ROWS,
  type SchemaDrift,
} from '@omni-webhooks/schema';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { logError, logValue } from '../log-values.js';
import { typeLabel } from '../metrics.js';
import { type DriftObservation, driftKey } from '../store/drift-records.js';
import type { DriftStore } from '../store/inbox-store.js';
import { isTransientStoreError } from '../store/store-errors.js';

// the drift radar: what the strict schema would flag in each stored event, counted per (event type,
// path, kind) and flushed to the store. detection runs once per payload shape (paths, json types and
// enum values; see driftShapeKey) and on a sample of the rest, so the hot path mostly walks the payload

export interface DriftRadarOptions {
  store: DriftStore;
  logger: Logger;
  /** the receiver's metrics registry; the drift counter and gauge are added to it */
  registry: Registry;
  /** how often aggregated counts go to the store; default 5000 */
  flushIntervalMs?: number;
  /** shapes remembered; the oldest is forgotten past it. default 1000 */
  shapeCacheSize?: number;
  /** one in this many events of a known shape is checked in full (formats may differ); default 100 */
  sampleEvery?: number;
  /** distinct drift rows held between flushes; new ones past it wait for the next event. default 10 000 */
  maxPending?: number;
  now?: () => Date;
}

export interface DriftRadar {
  /** a stored event (not a duplicate delivery): never throws, never waits */
  observe(type: string, body: unknown): void;
  /** writes the counts aggregated since the last flush; logs the drift the store had never seen */
  flush(): Promise<void>;
  start(): void;
  /** stops the timer and flushes once more */
  stop(): Promise<void>;
}

const DRIFT_TOTAL = 'omni_receiver_schema_drift_total';
const DRIFT_PATHS = 'omni_receiver_schema_drift_paths';

/** longest shape key remembered: a body of many unknown keys has a key as long, and is checked each time */
export const MAX_CACHED_SHAPE_CHARS = 4096;

function driftMetrics(registry: Registry, store: DriftStore, logger: Logger) {
  // one registry may serve several receivers (tests, a host app): reuse what is there
  const total =
    (registry.getSingleMetric(DRIFT_TOTAL) as Counter<'event' | 'kind'> | undefined) ??
    new Counter({
      name: DRIFT_TOTAL,
      help: 'stored events carrying a drift the strict schema would flag, by event type and drift kind',
      labelNames: ['event', 'kind'],
      registers: [registry],
    });
  if (!registry.getSingleMetric(DRIFT_PATHS)) {
    new Gauge({
      name: DRIFT_PATHS,
      help: 'distinct (event type, path, kind) drift rows in the store, across the fleet',
      registers: [registry],
      async collect() {
        try {
          this.set(await store.countDrift());
        } catch (error) {
          this.reset();
          logger.warn({ error: logError(error) }, 'drift rows unavailable; gauge left out of this scrape');
        }
      },
    });
  }
  return total;
}

/** a drift as the hot path counts it: its row key and counter child worked out once per shape */
interface PreparedDrift {
  key: string;
  drift: SchemaDrift;
  counter: { inc(): void };
}

/** a shape's drift, ready for the hot path; leftOut counts the rows past the cap of one event */
interface PreparedShape {
  drifts: PreparedDrift[];
  leftOut: number;
}

interface PendingRow {
  event: string;
  drift: SchemaDrift;
  count: number;
  firstMs: number;
  lastMs: number;
}

export function createDriftRadar(options: DriftRadarOptions): DriftRadar {
  const { store, logger } = options;
  const now = options.now ?? (() => new Date());
  const cacheSize = options.shapeCacheSize ?? 1000;
  const sampleEvery = options.sampleEvery ?? 100;
  const maxPending = options.maxPending ?? 10_000;
  const total = driftMetrics(options.registry, store, logger);
  const shapes = new Map<string, PreparedShape>();
  let pending = new Map<string, PendingRow>();
  let leftOut = 0;
  let sinceSample = 0;
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  function prepare(type: string, body: unknown): PreparedShape {
    const event = typeLabel(type, isWebhookEventType);
    const report = detectSchemaDriftReport(type, body);
    return {
      drifts: report.drifts.map((drift: SchemaDrift) => ({
        key: driftKey({ event: type, path: drift.path, kind: drift.kind }),
        drift,
        counter: total.labels({ event, kind: drift.kind }),
      })),
      leftOut: report.leftOut,
    };
  }

  function driftOf(type: string, body: unknown): PreparedShape {
    const shape = driftShapeKey(type, body);
    const known = shapes.get(shape);
    if (known) {
      sinceSample += 1;
      if (sinceSample < sampleEvery) return known;
      sinceSample = 0;
      return prepare(type, body);
    }
    const found = prepare(type, body);
    // a long key (many unknown keys, a huge one) would hold the body's key names: checked each time
    if (shape.length > MAX_CACHED_SHAPE_CHARS) return found;
    // first in, first out: a bound, and cheaper than an lru on every hit
    if (shapes.size >= cacheSize) shapes.delete(shapes.keys().next().value as string);
    shapes.set(shape, found);
    return found;
  }

  function add(into: Map<string, PendingRow>, key: string, row: PendingRow): void {
    const held = into.get(key);
    if (held) {
      held.count += row.count;
      if (row.firstMs < held.firstMs) held.firstMs = row.firstMs;
      if (row.lastMs > held.lastMs) held.lastMs = row.lastMs;
    } else if (into.size < maxPending) {
      into.set(key, { ...row });
    }
  }

  const radar: DriftRadar = {
    observe(type, body) {
      try {
        const { drifts, leftOut: over } = driftOf(type, body);
        leftOut += over;
        if (drifts.length === 0) return;
        const at = now().getTime();
        for (const { key, drift, counter } of drifts) {
          counter.inc();
          const held = pending.get(key);
          if (held) {
            held.count += 1;
            if (at > held.lastMs) held.lastMs = at;
          } else {
            add(pending, key, { event: type, drift, count: 1, firstMs: at, lastMs: at });
          }
        }
      } catch (error) {
        // the radar reports; it must never cost an event
        logger.error({ error: logError(error), type: logValue(type) }, 'drift detection failed');
      }
    },

    flush() {
      // one flush at a time, so a slow store never sees two writes of the same counts
      flushing = flushing.then(async () => {
        if (leftOut > 0) {
          logger.warn(
            { rows: leftOut, perEvent: MAX_DRIFT_ROWS },
            'drift rows left out past the cap of an event',
          );
          leftOut = 0;
        }
        if (pending.size === 0) return;
        const batch = pending;
        pending = new Map();
        const observations: DriftObservation[] = [...batch.values()].map((row) => ({
          event: row.event,
          ...row.drift,
          count: row.count,
          firstSeen: new Date(row.firstMs),
          lastSeen: new Date(row.lastMs),
        }));
        try {
          const created = await store.recordDrift(observations);
          for (const drift of created) {
            logger.warn(
              {
                event: logValue(drift.event),
                path: logValue(drift.path),
                kind: drift.kind,
                expected: drift.expected === undefined ? undefined : logValue(drift.expected),
                seen: logValue(drift.seen),
                example: drift.example,
              },
              'schema drift: first seen',
            );
          }
        } catch (error) {
          // rows the store refuses for good (a constraint, a value too long) would fail every later
          // flush: dropped, so the radar goes on
          if (!isTransientStoreError(error)) {
            logger.error(
              { error: logError(error), rows: batch.size },
              'drift rows refused by the store; dropped',
            );
            return;
          }
          // kept for the next flush rather than lost
          for (const [key, row] of batch) add(pending, key, row);
          logger.warn({ error: logError(error), rows: batch.size }, 'drift rows not stored; retrying later');
        }
      });
      return flushing;
    },

    start() {
      if (timer) return;
      timer = setInterval(() => void radar.flush(), options.flushIntervalMs ?? 5000);
      timer.unref();
    },

    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await radar.flush();
    },
  };
  return radar;
}
