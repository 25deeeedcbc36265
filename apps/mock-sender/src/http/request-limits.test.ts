import { describe, expect, it } from 'vitest';
import type { DeliveryView } from '../outbox/outbox.js';
import { call, deliveryIds, settled, useSenderApi } from '../test-support/sender-api.js';

const { receiver, sender } = useSenderApi();

// a 200 KB event, sent as is
const large = { event: 'lead.created', blob: 'x'.repeat(200_000) };

describe('request limits, each answered with a 4xx that names its variable', () => {
  it('MAX_EVENTS_PER_REQUEST: 1 000 by default', async () => {
    const target = await receiver();
    const { base } = await sender({ TARGET_URL: target.url });
    const over = await call(base, 'POST', '/events', { event: 'lead.created', count: 1001 });
    expect(over.status).toBe(400);
    expect(over.json).toMatchObject({ error: { code: 'too_many_events' } });
    expect(over.text).toContain('MAX_EVENTS_PER_REQUEST (1000)');
    const few = await sender({ TARGET_URL: target.url, MAX_EVENTS_PER_REQUEST: '3' });
    expect((await call(few.base, 'POST', '/events', { event: 'lead.created', count: 4 })).status).toBe(400);
    expect((await call(few.base, 'GET', '/deliveries')).json.deliveries).toEqual([]);
    expect((await call(few.base, 'POST', '/events', { event: 'lead.created', count: 3 })).status).toBe(202);
  });

  it('MAX_REQUEST_BYTES: the body of any request', async () => {
    const target = await receiver();
    const { base } = await sender({ TARGET_URL: target.url, MAX_REQUEST_BYTES: '100000' });
    const over = await call(base, 'POST', '/events', {
      event: 'lead.created',
      payload: large,
      allowInvalid: true,
    });
    expect(over.status).toBe(413);
    expect(over.json).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(over.text).toContain('MAX_REQUEST_BYTES (100000 bytes)');
  });

  it('MAX_BATCH_BYTES: count × size, 10 MiB by default; nothing is stored or sent', async () => {
    const target = await receiver();
    const { base } = await sender({ TARGET_URL: target.url });
    // the request: 205 KB × 100 made a 20.5 MB answer and +41 MB of outbox
    const over = await call(base, 'POST', '/events', {
      event: 'lead.created',
      payload: large,
      allowInvalid: true,
      count: 100,
    });
    expect(over.status).toBe(413);
    expect(over.json).toMatchObject({ error: { code: 'too_large' } });
    expect(over.text).toContain('MAX_BATCH_BYTES (10485760 bytes)');
    expect((await call(base, 'GET', '/deliveries')).json.deliveries).toEqual([]);
    expect(target.requests).toEqual([]);
  });

  it('MAX_ENDPOINTS: endpoints in all, the default one included', async () => {
    const { base } = await sender({ TARGET_URL: 'http://127.0.0.1:9/hook', MAX_ENDPOINTS: '2' });
    expect((await call(base, 'POST', '/endpoints', { url: 'http://127.0.0.1:9/a' })).status).toBe(201);
    const over = await call(base, 'POST', '/endpoints', { url: 'http://127.0.0.1:9/b' });
    expect(over.status).toBe(409);
    expect(over.json).toMatchObject({ error: { code: 'too_many_endpoints' } });
    expect(over.text).toContain('MAX_ENDPOINTS (2)');
    expect((await call(base, 'GET', '/endpoints')).json.endpoints).toHaveLength(2);
  });
});

describe('POST /events stores a body once and answers ids', () => {
  it('40 events of one 200 KB payload: one stored body, a small answer, the same bytes on every delivery', async () => {
    const target = await receiver();
    const { base, sender: running } = await sender({ TARGET_URL: target.url });
    const posted = await call(base, 'POST', '/events', {
      event: 'lead.created',
      payload: large,
      allowInvalid: true,
      count: 40,
    });
    expect(posted.status).toBe(202);
    expect(posted.text.length).toBeLessThan(20_000);
    const events = posted.json.events as Record<string, unknown>[];
    expect(events).toHaveLength(40);
    expect(events.every((event) => Object.keys(event).join() === 'id,event')).toBe(true);
    const stored = running.db.prepare('SELECT count(*) AS n, sum(length(body)) AS bytes FROM bodies').get();
    expect(stored).toEqual({ n: 1, bytes: JSON.stringify(large).length });

    const ids = deliveryIds(posted.json);
    const views = await Promise.all(ids.map((id) => settled(base, id, 10_000)));
    expect(views.every((view) => view.state === 'succeeded')).toBe(true);
    expect(views.every((view) => JSON.stringify(view.payload) === JSON.stringify(large))).toBe(true);
    expect(target.requests.every((request) => request.body === JSON.stringify(large))).toBe(true);

    const again = await call(base, 'POST', `/deliveries/${ids[0]}/redeliver`);
    const redelivered = await settled(base, (again.json.delivery as DeliveryView).id);
    expect(redelivered.payload).toEqual(large);
    expect(running.db.prepare('SELECT count(*) AS n FROM bodies').get()).toEqual({ n: 1 });
  });

  it('answers payloads with include=payload, for 100 events at most', async () => {
    const target = await receiver();
    const { base } = await sender({ TARGET_URL: target.url });
    const withPayloads = await call(base, 'POST', '/events?include=payload', {
      event: 'lead.created',
      count: 2,
    });
    expect(withPayloads.status).toBe(202);
    const events = withPayloads.json.events as { payload: { event: string } }[];
    expect(events.map((event) => event.payload.event)).toEqual(['lead.created', 'lead.created']);
    const tooMany = await call(base, 'POST', '/events?include=payload', {
      event: 'lead.created',
      count: 101,
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.text).toContain('include=payload answers at most 100 events');
  });
});
