// the stream feed and retention, for every InboxStore adapter (sqlite and postgres run it)
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InboxStore, NewInboxEvent } from './inbox-store.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T00:00:00.000Z');
let n = 0;

function newEvent(overrides: Partial<NewInboxEvent> = {}): NewInboxEvent {
  n += 1;
  return {
    dedupeKey: `key-${n}-${Math.random().toString(36).slice(2)}`,
    type: 'lead.created',
    status: 'received',
    payload: `{"event":"lead.created", "data":{"leadId":"l${n}","note":"caf\u00e9 \\u00e9"}}`,
    receivedAt: new Date(NOW),
    deliveryHeaders: JSON.stringify({ 'user-agent': 'OmniAI', 'webhook-id': `msg_${n}` }),
    ...overrides,
  };
}

/** an event made processed (or failed) the way the worker does it */
async function settle(store: InboxStore, id: string, outcome: 'processed' | 'failed'): Promise<void> {
  const claimed = await store.claim({ limit: 100, leaseMs: 60_000 });
  const mine = claimed.find((event) => event.id === id);
  if (!mine) throw new Error(`event ${id} not claimable`);
  for (const other of claimed) {
    if (other !== mine) await store.fail(other.id, other.leaseToken, 'unclaimed', new Date(0));
  }
  if (outcome === 'processed') expect(await store.complete(id, mine.leaseToken)).toBe(true);
  else expect(await store.fail(id, mine.leaseToken, 'boom', null)).toBe(true);
}

export function describeFeedAndRetention(name: string, createStore: () => Promise<InboxStore>): void {
  describe(`InboxStore feed and retention: ${name}`, () => {
    let store: InboxStore;
    beforeEach(async () => {
      store = await createStore();
      await store.migrate();
    });
    afterEach(async () => {
      await store.close();
    });

    it('feeds every new row once, in store order, the body exactly as stored, resumable after any position', async () => {
      const start = await store.feedPosition('now');
      const inserted = [];
      for (let i = 0; i < 5; i += 1) inserted.push(newEvent({ status: i === 3 ? 'ignored' : 'received' }));
      const ids = [];
      for (const event of inserted) ids.push((await store.insert(event)).id);
      // a duplicate makes no row, so nothing new to feed
      await store.insert({ ...(inserted[0] as NewInboxEvent) });
      const all = await store.feedEvents({ after: start, limit: 100 });
      expect(all.map((event) => event.id)).toEqual(ids);
      expect(all[0]).toMatchObject({
        type: 'lead.created',
        status: 'received',
        receivedAt: new Date(NOW).toISOString(),
        payload: inserted[0]?.payload,
        headers: { 'user-agent': 'OmniAI', 'webhook-id': expect.stringMatching(/^msg_/) },
      });
      expect(all[3]?.status).toBe('ignored');
      expect(new Set(all.map((event) => event.position)).size).toBe(5);
      // paged, and resumed after each position: nothing lost, nothing repeated
      const paged = [];
      let after = start;
      for (;;) {
        const page = await store.feedEvents({ after, limit: 2 });
        if (page.length === 0) break;
        paged.push(...page);
        after = page.at(-1)?.position ?? after;
      }
      expect(paged.map((event) => event.id)).toEqual(ids);
      const rest = await store.feedEvents({ after: all[1]?.position, limit: 100 });
      expect(rest.map((event) => event.id)).toEqual(ids.slice(2));
    });

    it('starts at the end for now, after an event for its id, at a time for since', async () => {
      const old = await store.insert(newEvent({ receivedAt: new Date(NOW - DAY) }));
      const recent = await store.insert(newEvent());
      const end = await store.feedPosition('now');
      expect(await store.feedEvents({ after: end, limit: 10 })).toEqual([]);
      const later = await store.insert(newEvent());
      expect((await store.feedEvents({ after: end, limit: 10 })).map((event) => event.id)).toEqual([
        later.id,
      ]);
      const afterOld = await store.feedPosition({ afterEvent: old.id });
      expect((await store.feedEvents({ after: afterOld, limit: 10 })).map((event) => event.id)).toEqual([
        recent.id,
        later.id,
      ]);
      const since = await store.feedPosition({ receivedSince: new Date(NOW - 1000) });
      expect((await store.feedEvents({ after: since, limit: 10 })).map((event) => event.id)).toEqual([
        recent.id,
        later.id,
      ]);
      expect(
        await store.feedPosition({ afterEvent: '00000000-0000-7000-8000-000000000000' }),
      ).toBeUndefined();
    });

    it('deletes processed and ignored rows past the cutoff, oldest first, in batches; keeps the rest', async () => {
      const at = (days: number) => new Date(NOW - days * DAY);
      const processedOld = await store.insert(newEvent({ receivedAt: at(40) }));
      await settle(store, processedOld.id, 'processed');
      const processedOlder = await store.insert(newEvent({ receivedAt: at(50) }));
      await settle(store, processedOlder.id, 'processed');
      const ignoredOld = await store.insert(newEvent({ status: 'ignored', receivedAt: at(45) }));
      const processedNew = await store.insert(newEvent({ receivedAt: at(10) }));
      await settle(store, processedNew.id, 'processed');
      const failedOld = await store.insert(newEvent({ receivedAt: at(60) }));
      await settle(store, failedOld.id, 'failed');
      const rejectedOld = await store.insert(newEvent({ status: 'rejected', receivedAt: at(60) }));
      const rejectedAncient = await store.insert(newEvent({ status: 'rejected', receivedAt: at(100) }));
      const receivedOld = await store.insert(newEvent({ receivedAt: at(200) }));

      const policy = { doneBefore: at(30), failedBefore: at(90), batchSize: 2 };
      expect(await store.deleteExpired(policy)).toBe(2);
      // oldest first: the 50- and 45-day-old rows went first
      expect(await store.get(processedOlder.id)).toBeUndefined();
      expect(await store.get(ignoredOld.id)).toBeUndefined();
      expect(await store.get(processedOld.id)).toBeDefined();
      expect(await store.deleteExpired(policy)).toBe(2);
      expect(await store.deleteExpired(policy)).toBe(0);
      expect(await store.get(processedOld.id)).toBeUndefined();
      expect(await store.get(rejectedAncient.id)).toBeUndefined();
      for (const kept of [processedNew, failedOld, rejectedOld, receivedOld]) {
        expect(await store.get(kept.id), kept.id).toBeDefined();
      }
      // a null cutoff keeps its kind for ever
      expect(await store.deleteExpired({ doneBefore: null, failedBefore: null, batchSize: 100 })).toBe(0);
      expect(await store.deleteExpired({ doneBefore: null, failedBefore: at(0), batchSize: 100 })).toBe(2);
      expect(await store.get(receivedOld.id)).toBeDefined();
      const counts = await store.countByStatus();
      expect(counts).toMatchObject({ processed: 1, received: 1, failed: 0, rejected: 0, ignored: 0 });
    });

    it('runs one retention pass at a time', async () => {
      let inner: unknown = 'not run';
      const outer = await store.withRetentionLock(async () => {
        inner = await store.withRetentionLock(async () => 'nested');
        return 'outer';
      });
      expect(outer).toBe('outer');
      expect(inner).toBeUndefined();
      expect(await store.withRetentionLock(async () => 'again')).toBe('again');
    });
  });
}
