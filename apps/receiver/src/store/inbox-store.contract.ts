// one behavioural suite for every InboxStore adapter: sqlite runs it now, postgres reuses it unchanged
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DriftObservation } from './drift-records.js';
import {
  type ExhaustedEvent,
  type InboxStore,
  type NewInboxEvent,
  UnstorableEventError,
} from './inbox-store.js';

function drift(overrides: Partial<DriftObservation> = {}): DriftObservation {
  const at = new Date('2026-01-01T00:00:00.000Z');
  return {
    event: 'action_log.completed',
    path: 'actionLog.priority',
    kind: 'unknown_field',
    seen: 'string',
    example: 'high',
    count: 1,
    firstSeen: at,
    lastSeen: at,
    ...overrides,
  };
}

export type InboxStoreFactory = () => Promise<InboxStore>;

function newEvent(overrides: Partial<NewInboxEvent> = {}): NewInboxEvent {
  return {
    dedupeKey: `key-${Math.random().toString(36).slice(2)}`,
    type: 'lead.created',
    status: 'received',
    payload: '{"event":"lead.created","data":{"leadId":"l1"}}',
    receivedAt: new Date('2026-01-01T00:00:00.000Z'),
    ...overrides,
  };
}

export function describeInboxStore(name: string, createStore: InboxStoreFactory): void {
  describe(`InboxStore contract: ${name}`, () => {
    let store: InboxStore;

    beforeEach(async () => {
      store = await createStore();
      await store.migrate();
    });

    afterEach(async () => {
      await store.close();
    });

    it('migrates idempotently', async () => {
      await store.migrate();
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('inserts an event and reads it back with every field', async () => {
      const result = await store.insert(newEvent({ dedupeKey: 'k1' }));
      expect(result).toMatchObject({ duplicate: false, deliveryCount: 1, status: 'received' });
      const stored = await store.get(result.id);
      expect(stored).toEqual({
        id: result.id,
        type: 'lead.created',
        dedupeKey: 'k1',
        status: 'received',
        deliveryCount: 1,
        receivedAt: '2026-01-01T00:00:00.000Z',
        processedAt: null,
        handlerAttempts: 0,
        lastError: null,
        issues: null,
        payload: '{"event":"lead.created","data":{"leadId":"l1"}}',
      });
    });

    it('stores a duplicate once and counts its deliveries', async () => {
      const first = await store.insert(newEvent({ dedupeKey: 'same' }));
      const second = await store.insert(newEvent({ dedupeKey: 'same' }));
      const third = await store.insert(newEvent({ dedupeKey: 'same' }));
      expect(second).toMatchObject({ id: first.id, duplicate: true, deliveryCount: 2 });
      expect(third).toMatchObject({ id: first.id, duplicate: true, deliveryCount: 3 });
      expect((await store.list({ limit: 10 })).events).toHaveLength(1);
    });

    it('dedupes a windowed key only within its window, measured from the stored row', async () => {
      const hour = 3_600_000;
      const t0 = new Date('2026-01-03T00:00:00.000Z');
      const at = (ms: number) => new Date(t0.getTime() + ms);
      const body = (receivedAt: Date) =>
        newEvent({ dedupeKey: 'sha256:same-body', receivedAt, dedupeWindowMs: hour });
      const first = await store.insert(body(t0));
      // a retry inside the window is the same event
      expect(await store.insert(body(at(hour - 1)))).toMatchObject({
        id: first.id,
        duplicate: true,
        deliveryCount: 2,
      });
      // the same body after the window is another event (lead.updated a -> b -> a)
      const second = await store.insert(body(at(hour + 1)));
      expect(second).toMatchObject({ duplicate: false, deliveryCount: 1 });
      expect(second.id).not.toBe(first.id);
      // whose own retries dedupe against it, not the old row
      expect(await store.insert(body(at(hour + 60_000)))).toMatchObject({ id: second.id, deliveryCount: 2 });
      const rows = (await store.list({ limit: 10 })).events;
      expect(rows.map((row) => [row.id, row.dedupeKey, row.deliveryCount])).toEqual([
        [second.id, 'sha256:same-body', 2],
        [first.id, 'sha256:same-body', 2],
      ]);
      // keys without a window (a webhook-id) dedupe for ever
      const permanent = await store.insert(newEvent({ dedupeKey: 'webhook-id:m1', receivedAt: t0 }));
      expect(
        await store.insert(newEvent({ dedupeKey: 'webhook-id:m1', receivedAt: at(30 * 24 * hour) })),
      ).toMatchObject({ id: permanent.id, duplicate: true });
    });

    it('counts a body stored within its window as a duplicate, whatever key either came with', async () => {
      const hour = 3_600_000;
      const t0 = new Date('2026-01-04T00:00:00.000Z');
      const at = (ms: number) => new Date(t0.getTime() + ms);
      const bodyHash = { key: 'sha256:body-a', windowMs: hour };
      const signed = await store.insert(
        newEvent({ dedupeKey: 'webhook-id:msg_a', receivedAt: t0, bodyHash }),
      );
      // the capture replayed without its webhook-* headers: keyed on its body hash
      const stripped = newEvent({
        dedupeKey: 'sha256:body-a',
        receivedAt: at(10 * 60_000),
        dedupeWindowMs: hour,
        bodyHash,
      });
      expect(await store.insert(stripped)).toMatchObject({
        id: signed.id,
        duplicate: true,
        deliveryCount: 2,
      });
      // the same body under a fresh webhook-id, concurrently with another stripped copy
      const [fresh, again] = await Promise.all([
        store.insert(newEvent({ dedupeKey: 'webhook-id:msg_b', receivedAt: at(20 * 60_000), bodyHash })),
        store.insert({ ...stripped, receivedAt: at(20 * 60_000) }),
      ]);
      expect([fresh.id, again.id]).toEqual([signed.id, signed.id]);
      expect((await store.list({ limit: 10 })).events).toHaveLength(1);
      expect((await store.get(signed.id))?.deliveryCount).toBe(4);
      // past the window the body is another event, stored apart
      const later = await store.insert({ ...stripped, receivedAt: at(hour + 1) });
      expect(later).toMatchObject({ duplicate: false, deliveryCount: 1 });
      expect(later.id).not.toBe(signed.id);
      // and a body under its own key, first stored unsigned, takes a signed delivery of it as a duplicate
      const bodyB = { key: 'sha256:body-b', windowMs: hour };
      const plain = await store.insert(
        newEvent({ dedupeKey: 'sha256:body-b', receivedAt: t0, dedupeWindowMs: hour, bodyHash: bodyB }),
      );
      expect(
        await store.insert(
          newEvent({ dedupeKey: 'webhook-id:msg_c', receivedAt: at(1000), bodyHash: bodyB }),
        ),
      ).toMatchObject({ id: plain.id, duplicate: true });
    });

    it('dedupes concurrent inserts of one key to one row', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.insert(newEvent({ dedupeKey: 'burst' }))),
      );
      expect(new Set(results.map((result) => result.id)).size).toBe(1);
      expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
      expect(Math.max(...results.map((result) => result.deliveryCount))).toBe(20);
      expect((await store.get(results[0]?.id ?? ''))?.deliveryCount).toBe(20);
    });

    it('keeps rejected events raw with their issues, and does not hand them to workers', async () => {
      const issues = [{ path: ['data', 'leadId'], message: 'Required', code: 'invalid_type' }];
      const { id } = await store.insert(
        newEvent({ status: 'rejected', issues, payload: '{"event":"lead.created"}' }),
      );
      expect(await store.get(id)).toMatchObject({
        status: 'rejected',
        issues,
        payload: '{"event":"lead.created"}',
      });
      await store.insert(newEvent({ status: 'ignored', type: 'lead.exploded' }));
      expect(await store.claim({ limit: 10, leaseMs: 1000 })).toEqual([]);
    });

    it('promotes a rejected event when a delivery of its key passes the schema', async () => {
      const issues = [{ path: ['data'], message: 'Unrecognized key', code: 'unrecognized_keys' }];
      const rejected = await store.insert(newEvent({ dedupeKey: 'fixed', status: 'rejected', issues }));
      expect(rejected).toMatchObject({ status: 'rejected', promoted: false });
      // the sender's retry after a schema fix (a lenient restart, a newer schema)
      const later = new Date('2026-01-01T00:05:00.000Z');
      const retried = await store.insert(newEvent({ dedupeKey: 'fixed', receivedAt: later }));
      expect(retried).toMatchObject({
        id: rejected.id,
        status: 'received',
        promoted: true,
        deliveryCount: 2,
      });
      expect(await store.get(rejected.id)).toMatchObject({
        status: 'received',
        issues: null,
        deliveryCount: 2,
      });
      const [claimed] = await store.claim({ limit: 10, leaseMs: 1000, now: later });
      expect(claimed).toMatchObject({ id: rejected.id, handlerAttempts: 1 });
      // once promoted, further deliveries are plain duplicates, and a rejected copy changes nothing
      expect(await store.insert(newEvent({ dedupeKey: 'fixed' }))).toMatchObject({
        promoted: false,
        duplicate: true,
        deliveryCount: 3,
      });
      expect(await store.insert(newEvent({ dedupeKey: 'fixed', status: 'rejected', issues }))).toMatchObject({
        status: 'received',
        promoted: false,
        deliveryCount: 4,
      });
    });

    it("requeues rejected and failed events, resetting a failed one's attempts", async () => {
      const t0 = new Date('2026-01-02T00:00:00.000Z');
      const issues = [{ path: [], message: 'bad', code: 'custom' }];
      const rejected = await store.insert(newEvent({ status: 'rejected', issues }));
      const failed = await store.insert(newEvent());
      const [claimed] = await store.claim({ limit: 1, leaseMs: 1000, now: t0 });
      expect(claimed?.id).toBe(failed.id);
      await store.fail(failed.id, claimed?.leaseToken ?? '', 'boom', null, t0);
      expect(await store.requeue(rejected.id, t0)).toMatchObject({ status: 'received', issues: null });
      expect(await store.requeue(failed.id, t0)).toMatchObject({
        status: 'received',
        handlerAttempts: 0,
        processedAt: null,
      });
      const again = await store.claim({ limit: 10, leaseMs: 1000, now: t0 });
      expect(again.map((event) => [event.id, event.handlerAttempts])).toEqual([
        [rejected.id, 1],
        [failed.id, 1],
      ]);
      // received (and processed, ignored) events are not requeued
      expect(await store.requeue(failed.id, t0)).toBeUndefined();
      expect(await store.requeue('00000000-0000-0000-0000-000000000000', t0)).toBeUndefined();
    });

    it('claims each received event once until its lease expires', async () => {
      const { id } = await store.insert(newEvent());
      const now = new Date('2026-01-01T00:00:01.000Z');
      const [claimed] = await store.claim({ limit: 10, leaseMs: 30_000, now });
      expect(claimed).toMatchObject({ id, type: 'lead.created', handlerAttempts: 1 });
      expect(await store.claim({ limit: 10, leaseMs: 30_000, now })).toEqual([]);
      // a crashed worker never completes: its event comes back after the lease
      const later = new Date(now.getTime() + 30_001);
      const [again] = await store.claim({ limit: 10, leaseMs: 30_000, now: later });
      expect(again).toMatchObject({ id, handlerAttempts: 2 });
      expect(again?.leaseToken).not.toBe(claimed?.leaseToken);
      // the stale lease can no longer complete it
      expect(await store.complete(id, claimed?.leaseToken ?? '', later)).toBe(false);
      expect(await store.complete(id, again?.leaseToken ?? '', later)).toBe(true);
      expect(await store.get(id)).toMatchObject({ status: 'processed', processedAt: later.toISOString() });
      expect(
        await store.claim({ limit: 10, leaseMs: 30_000, now: new Date(later.getTime() + 60_000) }),
      ).toEqual([]);
    });

    it('answers completions made together each for its own lease and time', async () => {
      const ids = await Promise.all([1, 2, 3].map(async () => (await store.insert(newEvent())).id));
      const now = new Date('2026-01-01T00:00:01.000Z');
      const claimed = await store.claim({ limit: 10, leaseMs: 30_000, now });
      const tokenOf = (id: string) => claimed.find((event) => event.id === id)?.leaseToken ?? '';
      const [a, b, c] = ids as [string, string, string];
      const times = [1, 2, 3].map((s) => new Date(now.getTime() + s * 1000));
      expect(
        await Promise.all([
          store.complete(a, tokenOf(a), times[0]),
          store.complete(b, '00000000-0000-0000-0000-000000000000', times[1]),
          store.complete(c, tokenOf(c), times[2]),
        ]),
      ).toEqual([true, false, true]);
      expect(await store.get(a)).toMatchObject({ status: 'processed', processedAt: times[0]?.toISOString() });
      expect(await store.get(b)).toMatchObject({ status: 'received', processedAt: null });
      expect(await store.get(c)).toMatchObject({ status: 'processed', processedAt: times[2]?.toISOString() });
    });

    it('either leases a new event at insert (then no claim returns it) or leaves it to claims', async () => {
      const inserted = await store.insert(newEvent({ leaseMs: 30_000 }));
      const claims = await store.claim({ limit: 10, leaseMs: 30_000 });
      if (inserted.claimed) {
        expect(inserted.claimed).toMatchObject({ id: inserted.id, type: 'lead.created', handlerAttempts: 1 });
        expect(claims).toEqual([]);
        expect(await store.complete(inserted.id, inserted.claimed.leaseToken)).toBe(true);
      } else {
        expect(claims).toMatchObject([{ id: inserted.id, handlerAttempts: 1 }]);
      }
      expect(await store.get(inserted.id)).toMatchObject({
        status: inserted.claimed ? 'processed' : 'received',
      });
      // a duplicate, a rejected or an ignored event is never leased at insert
      const again = await store.insert(
        newEvent({ dedupeKey: (await store.get(inserted.id))?.dedupeKey ?? '', leaseMs: 30_000 }),
      );
      expect(again).toMatchObject({ duplicate: true });
      expect(again.claimed).toBeUndefined();
      for (const status of ['rejected', 'ignored'] as const) {
        expect((await store.insert(newEvent({ status, leaseMs: 30_000 }))).claimed).toBeUndefined();
      }
    });

    it('fails an event whose last allowed attempt never finished instead of claiming it again', async () => {
      const { id } = await store.insert(newEvent());
      const other = await store.insert(newEvent());
      const t0 = new Date('2026-01-02T00:00:00.000Z');
      const at = (ms: number) => new Date(t0.getTime() + ms);
      // two attempts allowed; each claim's worker "crashes" and its lease runs out
      expect(await store.claim({ limit: 1, leaseMs: 1000, now: t0, maxAttempts: 2 })).toMatchObject([
        { id, handlerAttempts: 1 },
      ]);
      expect(await store.claim({ limit: 1, leaseMs: 1000, now: at(1000), maxAttempts: 2 })).toMatchObject([
        { id, handlerAttempts: 2 },
      ]);
      const claimed = await store.claim({ limit: 10, leaseMs: 1000, now: at(2000), maxAttempts: 2 });
      expect(claimed.map((event) => event.id)).toEqual([other.id]);
      const failed = await store.get(id);
      expect(failed).toMatchObject({
        status: 'failed',
        handlerAttempts: 2,
        processedAt: at(2000).toISOString(),
      });
      expect(failed?.lastError).toMatch(/^handler never finished: .* attempt 2$/);
      const later = await store.claim({ limit: 10, leaseMs: 1000, now: at(60_000), maxAttempts: 2 });
      expect(later.map((event) => event.id)).toEqual([other.id]);
    });

    it('reports each event it fails for its attempts to the one claim that failed it, once', async () => {
      const t0 = new Date('2026-01-02T00:00:00.000Z');
      const at = (ms: number) => new Date(t0.getTime() + ms);
      const crashed: string[] = [];
      for (let i = 0; i < 6; i += 1) crashed.push((await store.insert(newEvent({ type: `t.${i}` }))).id);
      // one attempt allowed; every worker "crashes" and its lease runs out
      expect(await store.claim({ limit: 6, leaseMs: 1000, now: t0, maxAttempts: 1 })).toHaveLength(6);
      const fresh = await store.insert(newEvent());
      const reports: ExhaustedEvent[][] = [];
      const claim = async (limit: number, now: Date) => {
        let report: ExhaustedEvent[] = [];
        const claimed = await store.claim({
          limit,
          leaseMs: 1000,
          now,
          maxAttempts: 1,
          onExhausted: (events) => {
            expect(events.length).toBeGreaterThan(0);
            report = events;
            reports.push(events);
          },
        });
        // the failed and the claimed events fit in the limit together
        expect(claimed.length + report.length).toBeLessThanOrEqual(limit);
        return claimed;
      };
      // three workers at once
      const claims = await Promise.all([claim(3, at(1000)), claim(3, at(1000)), claim(3, at(1000))]);
      const claimed = [...claims.flat(), ...(await claim(10, at(1000)))];
      const reported = reports.flat();
      expect(reported.map((event) => event.id).sort()).toEqual([...crashed].sort());
      for (const events of reports) {
        const ids = events.map((event) => event.id);
        expect(ids).toEqual(crashed.filter((id) => ids.includes(id)));
      }
      expect(reported.find((event) => event.id === crashed[2])).toEqual({
        id: crashed[2],
        type: 't.2',
        payload: '{"event":"lead.created","data":{"leadId":"l1"}}',
        handlerAttempts: 1,
      });
      expect(claimed.map((event) => [event.id, event.handlerAttempts])).toEqual([[fresh.id, 1]]);
      for (const id of crashed) {
        expect(await store.get(id)).toMatchObject({ status: 'failed', processedAt: at(1000).toISOString() });
      }
      expect(await store.complete(fresh.id, claimed[0]?.leaseToken ?? '', at(1000))).toBe(true);
      // once failed, never reported again
      reports.length = 0;
      expect(await claim(10, at(60_000))).toEqual([]);
      expect(await claim(10, at(120_000))).toEqual([]);
      expect(reports).toEqual([]);
    });

    it('renews a running lease, so the event is not claimed again while its handler runs', async () => {
      const { id } = await store.insert(newEvent());
      const t0 = new Date('2026-01-02T00:00:00.000Z');
      const at = (ms: number) => new Date(t0.getTime() + ms);
      const [claimed] = await store.claim({ limit: 1, leaseMs: 1000, now: t0 });
      expect(await store.renewLease(id, claimed?.leaseToken ?? '', 1000, at(900))).toBe(true);
      expect(await store.claim({ limit: 1, leaseMs: 1000, now: at(1500) })).toEqual([]);
      expect(await store.renewLease(id, 'not-the-token', 1000, at(1500))).toBe(false);
      const [again] = await store.claim({ limit: 1, leaseMs: 1000, now: at(1900) });
      expect(again).toMatchObject({ id, handlerAttempts: 2 });
      // the lost lease cannot be renewed any more
      expect(await store.renewLease(id, claimed?.leaseToken ?? '', 1000, at(1900))).toBe(false);
    });

    it('claims oldest first, up to the limit', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) ids.push((await store.insert(newEvent())).id);
      const claimed = await store.claim({ limit: 3, leaseMs: 1000, now: new Date('2026-01-02T00:00:00Z') });
      expect(claimed.map((event) => event.id)).toEqual(ids.slice(0, 3));
    });

    it('schedules a retry, then fails for good with the last error', async () => {
      const { id } = await store.insert(newEvent());
      const t0 = new Date('2026-01-02T00:00:00.000Z');
      const [first] = await store.claim({ limit: 1, leaseMs: 1000, now: t0 });
      const retryAt = new Date(t0.getTime() + 5000);
      expect(await store.fail(id, first?.leaseToken ?? '', 'boom 1', retryAt, t0)).toBe(true);
      expect(await store.claim({ limit: 1, leaseMs: 1000, now: new Date(t0.getTime() + 4999) })).toEqual([]);
      const [second] = await store.claim({ limit: 1, leaseMs: 1000, now: retryAt });
      expect(second?.handlerAttempts).toBe(2);
      expect(await store.fail(id, second?.leaseToken ?? '', 'boom 2', null, retryAt)).toBe(true);
      expect(await store.get(id)).toMatchObject({
        status: 'failed',
        lastError: 'boom 2',
        handlerAttempts: 2,
        processedAt: retryAt.toISOString(),
      });
      expect(await store.claim({ limit: 1, leaseMs: 1000, now: new Date(t0.getTime() + 3_600_000) })).toEqual(
        [],
      );
    });

    it('lists newest first with filters and a cursor that walks every page', async () => {
      for (let i = 0; i < 7; i += 1) {
        await store.insert(
          newEvent({ dedupeKey: `p${i}`, type: i % 2 ? 'lead.created' : 'document.received' }),
        );
      }
      await store.insert(newEvent({ dedupeKey: 'ignored', type: 'x.y', status: 'ignored' }));
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list({ limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.events.map((event) => event.dedupeKey));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(['ignored', 'p6', 'p5', 'p4', 'p3', 'p2', 'p1', 'p0']);
      const leads = await store.list({ type: 'lead.created', limit: 100 });
      expect(leads.events.map((event) => event.dedupeKey)).toEqual(['p5', 'p3', 'p1']);
      expect(leads.nextCursor).toBeNull();
      const ignored = await store.list({ status: 'ignored', limit: 100 });
      expect(ignored.events.map((event) => event.dedupeKey)).toEqual(['ignored']);
    });

    it('lists without payloads and issues unless asked for them', async () => {
      const issues = [{ path: ['data'], message: 'Unrecognized key: "x"', code: 'unrecognized_keys' }];
      await store.insert(newEvent({ dedupeKey: 'with-payload', status: 'rejected', issues }));
      const [summary] = (await store.list({ limit: 10 })).events;
      expect(summary).toMatchObject({ dedupeKey: 'with-payload', status: 'rejected' });
      expect(summary).not.toHaveProperty('payload');
      expect(summary).not.toHaveProperty('issues');
      const [full] = (await store.list({ limit: 10, includePayload: true })).events;
      expect(full).toMatchObject({ payload: '{"event":"lead.created","data":{"leadId":"l1"}}', issues });
    });

    it('refuses a malformed cursor', async () => {
      await expect(store.list({ limit: 1, cursor: 'not-a-cursor' })).rejects.toThrow(/cursor/);
    });

    it('counts events by status', async () => {
      await store.insert(newEvent());
      await store.insert(newEvent());
      await store.insert(newEvent({ status: 'ignored' }));
      expect(await store.countByStatus()).toEqual({
        received: 2,
        processed: 0,
        failed: 0,
        rejected: 0,
        ignored: 1,
      });
    });

    it('stores hostile payload text byte for byte', async () => {
      const payload = JSON.stringify({
        event: 'x',
        __proto__: { polluted: true },
        s: "'; DROP TABLE inbox_events; --",
      });
      const { id } = await store.insert(newEvent({ payload, type: "'; DROP TABLE inbox_events; --" }));
      expect((await store.get(id))?.payload).toBe(payload);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('stores an event name with a nul character: type with U+FFFD in its place, payload exact', async () => {
      // json escapes let an authenticated body carry U+0000, which postgres text cannot hold
      const type = 'lead.\u0000x';
      const payload = JSON.stringify({ event: type, data: { note: 'a\u0000b' } });
      const { id, status } = await store.insert(newEvent({ type, status: 'ignored', payload }));
      expect(status).toBe('ignored');
      expect(await store.get(id)).toMatchObject({ type: 'lead.\ufffdx', status: 'ignored', payload });
      // a filter by the name as sent finds it
      const listed = await store.list({ type, limit: 10 });
      expect(listed.events.map((event) => event.id)).toEqual([id]);
    });

    it('stores a very long event name cut to 256 characters in type, whole in the payload', async () => {
      // random, so postgres cannot compress it under its index entry limit
      const type = Array.from({ length: 4000 }, () => Math.random().toString(36).slice(2, 3)).join('');
      const payload = JSON.stringify({ event: type });
      const { id } = await store.insert(newEvent({ type, status: 'ignored', payload }));
      expect(await store.get(id)).toMatchObject({ type: type.slice(0, 256), payload });
      expect((await store.list({ type, limit: 10 })).events.map((event) => event.id)).toEqual([id]);
    });

    it('keeps issues whose path and message contain a nul character exactly', async () => {
      const issues = [
        { path: ['data', 'a\u0000b', 0], message: 'Unrecognized key: "a\u0000b"', code: 'unrecognized_keys' },
        { path: ['\ud800'], message: 'lone surrogate \ud800', code: 'custom' },
      ];
      const payload = '{"event":"lead.created","data":{"a\\u0000b":1}}';
      const { id } = await store.insert(newEvent({ status: 'rejected', issues, payload }));
      expect(await store.get(id)).toMatchObject({ status: 'rejected', issues, payload });
      const [listed] = (await store.list({ status: 'rejected', limit: 10, includePayload: true })).events;
      expect(listed?.issues).toEqual(issues);
    });

    it('stores a batch holding nul characters whole: the other events are not held back', async () => {
      const issues = [{ path: ['\u0000'], message: '\u0000', code: 'custom' }];
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, n) =>
          store.insert(
            n % 3 === 0
              ? newEvent({ dedupeKey: `nul-${n}`, type: `x.\u0000${n}`, status: 'ignored' })
              : n % 3 === 1
                ? newEvent({ dedupeKey: `nul-${n}`, status: 'rejected', issues })
                : newEvent({ dedupeKey: `nul-${n}` }),
          ),
        ),
      );
      expect(results.map((result) => result.status)).toEqual(
        Array.from({ length: 12 }, (_, n) => ['ignored', 'rejected', 'received'][n % 3]),
      );
      expect(await store.countByStatus()).toMatchObject({ received: 4, rejected: 4, ignored: 4 });
    });

    it('records a handler error holding a nul character, with U+FFFD in its place', async () => {
      const { id } = await store.insert(newEvent());
      const t0 = new Date('2026-01-02T00:00:00.000Z');
      const [claimed] = await store.claim({ limit: 1, leaseMs: 1000, now: t0 });
      expect(await store.fail(id, claimed?.leaseToken ?? '', 'bad \u0000 byte', null, t0)).toBe(true);
      expect(await store.get(id)).toMatchObject({ status: 'failed', lastError: 'bad \ufffd byte' });
    });

    it('refuses a payload holding a raw nul character (never json) as unstorable', async () => {
      await expect(store.insert(newEvent({ payload: '{"event":"x"}\u0000' }))).rejects.toBeInstanceOf(
        UnstorableEventError,
      );
      // the store goes on
      expect(await store.insert(newEvent())).toMatchObject({ duplicate: false });
    });

    it('answers get of an unknown id with undefined', async () => {
      expect(await store.get('00000000-0000-0000-0000-000000000000')).toBeUndefined();
    });

    it('aggregates drift observations into one row per event type, path and kind', async () => {
      const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
      const priority = drift({ path: 'actionLog.priority', firstSeen: t(5), lastSeen: t(6), count: 3 });
      expect(await store.recordDrift([priority])).toEqual([priority]);
      // seen again, earlier and later, by another flush: counts add up, times widen, the example stays
      const again = drift({
        path: 'actionLog.priority',
        firstSeen: t(1),
        lastSeen: t(9),
        count: 2,
        example: 'low',
      });
      expect(await store.recordDrift([again])).toEqual([]);
      expect(await store.listDrift({ limit: 10 })).toEqual([
        {
          event: 'action_log.completed',
          path: 'actionLog.priority',
          kind: 'unknown_field',
          expected: null,
          seen: 'string',
          example: 'high',
          count: 5,
          firstSeen: t(1).toISOString(),
          lastSeen: t(9).toISOString(),
        },
      ]);
      expect(await store.countDrift()).toBe(1);
    });

    it('lists drift most recently seen first, filtered by type and kind', async () => {
      const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
      await store.recordDrift([
        drift({ path: 'a', lastSeen: t(1) }),
        drift({
          path: 'b',
          lastSeen: t(3),
          kind: 'new_enum_value',
          expected: 'X, Y',
          seen: 'Z',
          example: 'Z',
        }),
        drift({ event: 'lead.created', path: 'data.c', lastSeen: t(2), example: 42 }),
      ]);
      const rows = await store.listDrift({ limit: 10 });
      expect(rows.map((row) => row.path)).toEqual(['b', 'data.c', 'a']);
      expect(rows[0]).toMatchObject({ expected: 'X, Y', seen: 'Z', example: 'Z' });
      expect(rows[1]?.example).toBe(42);
      expect((await store.listDrift({ limit: 10, type: 'lead.created' })).map((row) => row.path)).toEqual([
        'data.c',
      ]);
      expect((await store.listDrift({ limit: 10, kind: 'unknown_field' })).map((row) => row.path)).toEqual([
        'data.c',
        'a',
      ]);
      expect(await store.listDrift({ limit: 1 })).toHaveLength(1);
      expect(await store.countDrift()).toBe(3);
    });

    it('stores a drift path or event name holding a nul character, with U+FFFD in its place', async () => {
      await store.recordDrift([drift({ event: 'odd\u0000name', path: 'a\u0000b', seen: 'x\u0000' })]);
      expect(await store.listDrift({ limit: 10 })).toMatchObject([
        { event: 'odd\ufffdname', path: 'a\ufffdb', seen: 'x\ufffd' },
      ]);
    });

    it('stores a 5 000-character random drift path and event name cut to 256, and later rows still', async () => {
      const key = randomBytes(2500).toString('hex');
      const event = `lead.${randomBytes(2500).toString('hex')}`;
      const long = drift({ event, path: `data.${key}` });
      expect(await store.recordDrift([long])).toEqual([long]);
      // the same cut key: counted on the stored row, not a new one
      expect(await store.recordDrift([long])).toEqual([]);
      await store.recordDrift([drift({ path: 'data.later' })]);
      const rows = await store.listDrift({ limit: 10 });
      expect(rows.map((row) => [row.event, row.path, row.count]).sort()).toEqual(
        [
          [event.slice(0, 256), `data.${key}`.slice(0, 256), 2],
          ['action_log.completed', 'data.later', 1],
        ].sort(),
      );
    });

    it('exports events oldest first with their exact payloads, by type and time, in pages', async () => {
      const at = (minute: number) => new Date(Date.UTC(2026, 0, 2, 0, minute));
      const payloads = [
        '{"event":"lead.created","data":{"leadId":"1"}}',
        '{ "event" : "lead.updated",\n "data":{"leadId":"2","externalId":null} }',
        '{"event":"lead.created","data":{"leadId":"3","firstName":"Zoë"}}',
      ];
      for (const [n, payload] of payloads.entries()) {
        const type = n === 1 ? 'lead.updated' : 'lead.created';
        await store.insert(newEvent({ type, payload, receivedAt: at(n) }));
      }
      const all = await store.exportEvents({ limit: 10 });
      expect(all.events.map((event) => event.payload)).toEqual(payloads);
      expect(all.nextCursor).toBeNull();
      const created = await store.exportEvents({ limit: 10, type: 'lead.created' });
      expect(created.events.map((event) => event.payload)).toEqual([payloads[0], payloads[2]]);
      const recent = await store.exportEvents({ limit: 10, since: at(1) });
      expect(recent.events.map((event) => event.payload)).toEqual([payloads[1], payloads[2]]);
      const first = await store.exportEvents({ limit: 2 });
      expect(first.events).toHaveLength(2);
      const rest = await store.exportEvents({ limit: 2, cursor: first.nextCursor ?? '' });
      expect(rest.events.map((event) => event.payload)).toEqual([payloads[2]]);
      expect(rest.nextCursor).toBeNull();
    });
  });
}
