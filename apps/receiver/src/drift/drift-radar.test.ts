import { Writable } from 'node:stream';
import { detectSchemaDrift, MAX_DRIFT_ROWS } from '@omni-webhooks/schema';
import { fixtures } from '@omni-webhooks/schema/fixtures';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InboxStore } from '../store/inbox-store.js';
import { createSqliteInboxStore } from '../store/sqlite/sqlite-inbox-store.js';
import { createDriftRadar, MAX_CACHED_SHAPE_CHARS } from './drift-radar.js';

const base = fixtures.find((fixture) => fixture.name === 'email message completed');
if (!base) throw new Error('fixture missing');

/** the published action_log.completed with an extra field, a new type and a null summary */
function drifted(n: number): Record<string, unknown> {
  const event = structuredClone(base?.event) as unknown as Record<string, Record<string, unknown>>;
  event.actionLog = {
    ...event.actionLog,
    id: `log-${n}`,
    priority: 'high',
    type: 'WEBHOOK_TEST',
    summary: null,
  };
  return event;
}

function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), lines };
}

describe('drift radar', () => {
  let store: InboxStore;
  let registry: Registry;

  beforeEach(async () => {
    store = createSqliteInboxStore({ filename: ':memory:' });
    await store.migrate();
    registry = new Registry();
  });

  afterEach(async () => {
    await store.close();
  });

  it('aggregates 10 000 events of one shape into one row per path, counting each', async () => {
    const { logger } = capturedLogger();
    const radar = createDriftRadar({ store, logger, registry });
    for (let n = 0; n < 10_000; n += 1) {
      radar.observe('action_log.completed', drifted(n));
      if (n % 2500 === 0) await radar.flush();
    }
    await radar.flush();
    const rows = await store.listDrift({ limit: 100 });
    expect(rows.map((row) => [row.path, row.kind, row.count]).sort()).toEqual([
      ['actionLog.priority', 'unknown_field', 10_000],
      ['actionLog.summary', 'type_mismatch', 10_000],
      ['actionLog.type', 'new_enum_value', 10_000],
    ]);
    expect(await store.countDrift()).toBe(3);
    const metrics = await registry.metrics();
    expect(metrics).toContain(
      'omni_receiver_schema_drift_total{event="action_log.completed",kind="unknown_field"} 10000',
    );
    expect(metrics).toContain('omni_receiver_schema_drift_paths 3');
  });

  it('logs a warning the first time the store sees each drift, once', async () => {
    const { logger, lines } = capturedLogger();
    const radar = createDriftRadar({ store, logger, registry });
    radar.observe('action_log.completed', drifted(1));
    await radar.flush();
    radar.observe('action_log.completed', drifted(2));
    await radar.flush();
    const warnings = lines.filter((line) => line.msg === 'schema drift: first seen');
    expect(warnings.map((line) => [line.path, line.kind]).sort()).toEqual([
      ['actionLog.priority', 'unknown_field'],
      ['actionLog.summary', 'type_mismatch'],
      ['actionLog.type', 'new_enum_value'],
    ]);
    expect(warnings.find((line) => line.path === 'actionLog.type')).toMatchObject({
      event: 'action_log.completed',
      seen: 'WEBHOOK_TEST',
      example: 'WEBHOOK_TEST',
      expected: expect.stringContaining('MESSAGE'),
    });
  });

  it('detects each shape once, and a value-level drift in a known shape from the sample', async () => {
    const { logger } = capturedLogger();
    const radar = createDriftRadar({ store, logger, registry, sampleEvery: 10 });
    const clean = structuredClone(base?.event) as unknown as Record<string, unknown>;
    // the same shape as the published example, but a date-time without an offset
    const offsetless = { ...clean, occurredAt: '2025-10-30T20:07:17.567' };
    expect(detectSchemaDrift('action_log.completed', offsetless)).toHaveLength(1);
    radar.observe('action_log.completed', clean);
    for (let n = 0; n < 10; n += 1) radar.observe('action_log.completed', offsetless);
    await radar.flush();
    expect(await store.listDrift({ limit: 10 })).toMatchObject([
      { path: 'occurredAt', kind: 'format_mismatch', count: 1 },
    ]);
  });

  it('reports an unknown event name, labelled unknown in the counter', async () => {
    const { logger } = capturedLogger();
    const radar = createDriftRadar({ store, logger, registry });
    radar.observe('lead.archived', { event: 'lead.archived', data: {} });
    await radar.flush();
    expect(await store.listDrift({ limit: 10 })).toMatchObject([
      { event: 'lead.archived', path: 'event', kind: 'unknown_event', count: 1 },
    ]);
    expect(await registry.metrics()).toContain(
      'omni_receiver_schema_drift_total{event="unknown",kind="unknown_event"} 1',
    );
  });

  it('keeps the counts of a failed flush for the next one', async () => {
    const { logger, lines } = capturedLogger();
    let refuse = true;
    const flaky: InboxStore = {
      ...store,
      recordDrift: async (observations) => {
        if (refuse) throw new Error('connection reset');
        return store.recordDrift(observations);
      },
    };
    const radar = createDriftRadar({ store: flaky, logger, registry });
    radar.observe('action_log.completed', drifted(1));
    await radar.flush();
    expect(lines.some((line) => line.msg === 'drift rows not stored; retrying later')).toBe(true);
    radar.observe('action_log.completed', drifted(2));
    refuse = false;
    await radar.stop();
    expect((await store.listDrift({ limit: 10 })).map((row) => row.count)).toEqual([2, 2, 2]);
  });

  it('stores at most 100 rows for a body of 50 000 unknown keys, and logs how many it left out', async () => {
    const { logger, lines } = capturedLogger();
    const radar = createDriftRadar({ store, logger, registry });
    const flood: Record<string, unknown> = structuredClone(base?.event) as unknown as Record<string, unknown>;
    for (let n = 0; n < 50_000; n += 1) flood[`key${n}`] = n;
    radar.observe('action_log.completed', flood);
    await radar.flush();
    expect(await store.countDrift()).toBe(MAX_DRIFT_ROWS);
    expect(lines.find((line) => line.msg === 'drift rows left out past the cap of an event')).toMatchObject({
      rows: 50_000 - MAX_DRIFT_ROWS,
    });
  });

  it(`does not remember a shape whose key is over ${MAX_CACHED_SHAPE_CHARS} characters`, async () => {
    const { logger } = capturedLogger();
    // a remembered shape skips detection (formats) until the sample: a long one must not be remembered
    const radar = createDriftRadar({ store, logger, registry, sampleEvery: 1000 });
    const flood = structuredClone(base?.event) as unknown as Record<string, unknown>;
    for (let n = 0; n < 1000; n += 1) flood[`key${n}`] = n;
    radar.observe('action_log.completed', flood);
    radar.observe('action_log.completed', { ...flood, occurredAt: '2025-10-30T20:07:17.567' });
    await radar.flush();
    expect(await store.listDrift({ limit: 10, kind: 'format_mismatch' })).toMatchObject([
      { path: 'occurredAt', count: 1 },
    ]);
  });

  it('cuts request values and store errors in its log lines', async () => {
    const { logger, lines } = capturedLogger();
    let refuse = true;
    const flaky: InboxStore = {
      ...store,
      recordDrift: async (observations) => {
        if (refuse) throw new Error(`connection reset ${'x'.repeat(100_000)}`);
        return store.recordDrift(observations);
      },
    };
    const radar = createDriftRadar({ store: flaky, logger, registry });
    const name = `lead.${'n'.repeat(1_000_000)}`;
    radar.observe(name, { event: name });
    await radar.flush();
    refuse = false;
    await radar.flush();
    const logged = lines.filter(
      (line) =>
        String(line.msg).startsWith('drift rows not stored') || line.msg === 'schema drift: first seen',
    );
    expect(logged).toHaveLength(2);
    for (const line of logged) expect(JSON.stringify(line).length).toBeLessThan(3000);
    expect(logged[1]).toMatchObject({ event: expect.stringMatching(/^lead\.n+…$/), kind: 'unknown_event' });
  });

  it('drops a batch the store refuses for its content, and stores the later ones', async () => {
    const { logger, lines } = capturedLogger();
    let refuse = true;
    const strict: InboxStore = {
      ...store,
      recordDrift: async (observations) => {
        if (refuse) throw Object.assign(new Error('index row size exceeds btree maximum'), { code: '54000' });
        return store.recordDrift(observations);
      },
    };
    const radar = createDriftRadar({ store: strict, logger, registry });
    radar.observe('lead.archived', { event: 'lead.archived' });
    await radar.flush();
    expect(lines.find((line) => line.msg === 'drift rows refused by the store; dropped')).toMatchObject({
      rows: 1,
    });
    refuse = false;
    radar.observe('lead.renamed', { event: 'lead.renamed' });
    await radar.flush();
    expect((await store.listDrift({ limit: 10 })).map((row) => row.event)).toEqual(['lead.renamed']);
  });

  it('never throws into the ingest path', () => {
    const { logger, lines } = capturedLogger();
    const radar = createDriftRadar({ store, logger, registry });
    const hostile = {
      event: 'lead.created',
      get data(): never {
        throw new Error('boom');
      },
    };
    expect(() => radar.observe('lead.created', hostile)).not.toThrow();
    expect(lines.some((line) => line.msg === 'drift detection failed')).toBe(true);
  });
});
