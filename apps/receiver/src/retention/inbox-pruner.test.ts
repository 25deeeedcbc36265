import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { InboxStore } from '../store/inbox-store.js';
import { createSqliteInboxStore } from '../store/sqlite/sqlite-inbox-store.js';
import { startHarness } from '../test-support/receiver-harness.js';
import { createInboxPruner, retentionPolicy } from './inbox-pruner.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T00:00:00.000Z');
let store: InboxStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function seeded(rows: { days: number; status: 'ignored' | 'rejected' | 'received' }[]) {
  store = createSqliteInboxStore({ filename: ':memory:' });
  await store.migrate();
  let n = 0;
  for (const { days, status } of rows) {
    n += 1;
    await store.insert({
      dedupeKey: `k${n}`,
      type: 'lead.created',
      status,
      payload: '{"event":"lead.created"}',
      receivedAt: new Date(NOW - days * DAY),
    });
  }
  return store;
}

describe('inbox pruner', () => {
  it('deletes in batches, counts the rows in a metric and logs one line per pass', async () => {
    const inbox = await seeded([
      ...Array.from({ length: 1100 }, () => ({ days: 31, status: 'ignored' as const })),
      { days: 29, status: 'ignored' },
      { days: 80, status: 'rejected' },
      { days: 91, status: 'rejected' },
    ]);
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const registry = new Registry();
    const pruner = createInboxPruner({
      store: inbox,
      retentionDays: 30,
      failedRetentionDays: 90,
      dedupeWindowMs: 3_600_000,
      batchSize: 500,
      pauseMs: 1,
      logger,
      registry,
      now: () => NOW,
    });
    const report = await pruner.runPass();
    expect(report).toMatchObject({ deleted: 1101, batches: 3 });
    expect(await inbox.countByStatus()).toMatchObject({ ignored: 1, rejected: 1 });
    expect(await registry.getSingleMetricAsString('omni_receiver_retention_deleted_total')).toMatch(
      / 1101$/m,
    );
    expect(lines.filter((line) => line.includes('retention pass'))).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ deleted: 1101, batches: 3, msg: 'retention pass' });
    expect(await pruner.runPass()).toMatchObject({ deleted: 0, batches: 1 });
  });

  it('skips a pass while another holds the lock', async () => {
    const inbox = await seeded([{ days: 40, status: 'ignored' }]);
    const pruner = createInboxPruner({
      store: inbox,
      retentionDays: 30,
      failedRetentionDays: 90,
      dedupeWindowMs: 60_000,
      now: () => NOW,
    });
    const inner = await inbox.withRetentionLock(() => pruner.runPass());
    expect(inner).toBeUndefined();
    expect(await inbox.countByStatus()).toMatchObject({ ignored: 1 });
  });

  it('never deletes a row younger than the dedupe window, and 0 days keeps rows for ever', () => {
    const policy = retentionPolicy(
      { store: {} as InboxStore, retentionDays: 1, failedRetentionDays: 0, dedupeWindowMs: 3 * DAY },
      NOW,
    );
    expect(policy.doneBefore?.getTime()).toBe(NOW - 3 * DAY);
    expect(policy.failedBefore).toBeNull();
  });

  it('leaves /readyz answering while a pass runs', async () => {
    const harness = await startHarness();
    try {
      const pass = harness.pruner.runPass();
      expect((await fetch(`${harness.url}/readyz`)).status).toBe(200);
      await pass;
    } finally {
      await harness.close();
    }
  });
});
