import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type SenderConfig } from '../config.js';
import { createMockSender, type MockSender } from '../mock-sender.js';
import type { DeliveryView } from '../outbox/outbox.js';
import { eventually, startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

async function receiver(respond?: Parameters<typeof startTestReceiver>[0]): Promise<TestReceiver> {
  const started = await startTestReceiver(respond);
  cleanups.push(() => started.close());
  return started;
}

async function sender(env: Record<string, string> = {}): Promise<{ sender: MockSender; base: string }> {
  const config: SenderConfig = loadConfig({
    DATABASE_URL: 'file::memory:',
    RETRY_TIME_SCALE: '0.001',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const started = createMockSender(config);
  const base = await started.listen(0, '127.0.0.1');
  cleanups.push(() => started.close());
  return { sender: started, base };
}

async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function settled(base: string, id: string): Promise<DeliveryView> {
  let view: DeliveryView | undefined;
  const deadline = performance.now() + 5000;
  while (performance.now() < deadline) {
    view = (await call(base, 'GET', `/deliveries/${id}`)).json as unknown as DeliveryView;
    if (view.state === 'succeeded' || view.state === 'failed') {
      return view;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`delivery ${id} did not settle: ${JSON.stringify(view)}`);
}

function deliveryIds(json: Record<string, unknown>): string[] {
  return (json.deliveries as { id: string }[]).map((delivery) => delivery.id);
}

describe('mock sender HTTP API', () => {
  it('answers /healthz', async () => {
    const { base } = await sender();
    expect(await call(base, 'GET', '/healthz')).toMatchObject({ status: 200, json: { status: 'ok' } });
  });

  it('delivers a generated event to TARGET_URL with the secret header', async () => {
    const target = await receiver();
    const { base } = await sender({ TARGET_URL: target.url, WEBHOOK_SECRET: 'dev-secret' });
    const posted = await call(base, 'POST', '/events', { event: 'document.received' });
    expect(posted.status).toBe(202);
    const [id] = deliveryIds(posted.json);
    expect(posted.json.deliveries).toEqual([
      {
        id,
        eventId: expect.stringMatching(/^msg_/),
        endpointId: 'default',
        url: target.url,
        state: 'pending',
      },
    ]);
    const view = await settled(base, id ?? '');
    expect(view).toMatchObject({ state: 'succeeded', event: 'document.received', nextAttemptAt: null });
    expect(view.attempts).toMatchObject([{ n: 1, status: 200, error: null, responseBody: 'answer 1' }]);
    expect(target.requests).toHaveLength(1);
    expect(target.requests[0]?.headers['x-webhook-secret']).toBe('dev-secret');
    expect(target.requests[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(target.requests[0]?.body ?? '')).toEqual(view.payload);
  });

  it('retries on the scaled schedule with identical bytes until the endpoint answers 200', async () => {
    const target = await receiver((n) => (n <= 3 ? 500 : 200));
    const { base } = await sender({
      TARGET_URL: target.url,
      WEBHOOK_SECRET: 'dev-secret',
      RETRY_TIME_SCALE: '0.002',
    });
    const posted = await call(base, 'POST', '/events', { event: 'lead.created' });
    const view = await settled(base, deliveryIds(posted.json)[0] ?? '');
    expect(view.state).toBe('succeeded');
    expect(view.attempts.map((attempt) => attempt.status)).toEqual([500, 500, 500, 200]);
    expect(new Set(target.requests.map((request) => request.body)).size).toBe(1);
    expect(target.requests.every((request) => request.headers['x-webhook-secret'] === 'dev-secret')).toBe(
      true,
    );
    const gaps = target.requests
      .slice(1)
      .map((request, index) => request.at - (target.requests[index]?.at ?? 0));
    // 120, 240, 480 ms at scale 0.002
    expect(gaps[0]).toBeGreaterThanOrEqual(115);
    expect(gaps[1]).toBeGreaterThanOrEqual(235);
    expect(gaps[2]).toBeGreaterThanOrEqual(475);
    // in the schedule's order: each wait longer than the one before
    expect(gaps[1] ?? 0).toBeGreaterThan(gaps[0] ?? 0);
    expect(gaps[2] ?? 0).toBeGreaterThan(gaps[1] ?? 0);
  });

  it('refuses bad POST /events bodies with a 400 saying what is wrong', async () => {
    const target = await receiver();
    const { base } = await sender({ TARGET_URL: target.url });
    const unknownField = await call(base, 'POST', '/events', { event: 'lead.created', cout: 2 });
    expect(unknownField.status).toBe(400);
    expect(JSON.stringify(unknownField.json)).toContain('cout');
    const tooMany = await call(base, 'POST', '/events', { event: 'lead.created', count: 10_001 });
    expect(tooMany).toMatchObject({ status: 400, json: { error: { code: 'invalid_request' } } });
    expect(JSON.stringify(tooMany.json)).toContain('count');
    const unknownType = await call(base, 'POST', '/events', { event: 'lead.exploded' });
    expect(unknownType).toMatchObject({ status: 400, json: { error: { code: 'unknown_event' } } });
    const invalid = await call(base, 'POST', '/events', {
      event: 'lead.created',
      payload: { event: 'lead.created' },
    });
    expect(invalid).toMatchObject({ status: 400, json: { error: { code: 'invalid_payload' } } });
    expect((invalid.json.error as { issues: unknown[] }).issues.length).toBeGreaterThan(0);
    const notJson = await fetch(`${base}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(notJson.status).toBe(400);
    const notJsonType = await fetch(`${base}/events`, { method: 'POST', body: 'event=lead.created' });
    expect(notJsonType.status).toBe(415);
    expect(target.requests).toHaveLength(0);
  });

  it('sends an invalid payload as is when allowInvalid is set, and applies overrides to generated events', async () => {
    const target = await receiver();
    const { base } = await sender({ TARGET_URL: target.url });
    const payload = { event: 'lead.created', broken: true };
    const invalid = await call(base, 'POST', '/events', {
      event: 'lead.created',
      payload,
      allowInvalid: true,
    });
    expect(invalid.status).toBe(202);
    await settled(base, deliveryIds(invalid.json)[0] ?? '');
    expect(target.requests[0]?.body).toBe(JSON.stringify(payload));

    const generated = await call(base, 'POST', '/events?include=payload', {
      event: 'action_log.failed',
      overrides: { data: { status: 'FAILED' } },
      count: 3,
    });
    expect(generated.status).toBe(202);
    const events = generated.json.events as { payload: { event: string } }[];
    expect(events).toHaveLength(3);
    expect(events.every((event) => event.payload.event === 'action_log.failed')).toBe(true);
  });

  it('answers 409 when there is no endpoint to deliver to', async () => {
    const { base } = await sender();
    expect(await call(base, 'POST', '/events', { event: 'lead.created' })).toMatchObject({
      status: 409,
      json: { error: { code: 'no_endpoints' } },
    });
  });

  it('manages endpoints with a per-endpoint secret and event filter, never echoing secrets', async () => {
    const leads = await receiver();
    const everything = await receiver();
    const { base } = await sender();
    const created = await call(base, 'POST', '/endpoints', {
      url: leads.url,
      secret: 'lead-secret',
      secretHeader: 'x-omni-secret',
      events: ['lead.created'],
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      hasSecret: true,
      secretHeader: 'x-omni-secret',
      events: ['lead.created'],
    });
    expect(JSON.stringify(created.json)).not.toContain('lead-secret');
    await call(base, 'POST', '/endpoints', { url: everything.url });
    const listed = await call(base, 'GET', '/endpoints');
    expect((listed.json.endpoints as unknown[]).length).toBe(2);

    const lead = await call(base, 'POST', '/events', { event: 'lead.created' });
    const doc = await call(base, 'POST', '/events', { event: 'document.received' });
    expect(deliveryIds(lead.json)).toHaveLength(2);
    expect(deliveryIds(doc.json)).toHaveLength(1);
    await Promise.all([...deliveryIds(lead.json), ...deliveryIds(doc.json)].map((id) => settled(base, id)));
    expect(leads.requests).toHaveLength(1);
    expect(leads.requests[0]?.headers['x-omni-secret']).toBe('lead-secret');
    expect(everything.requests).toHaveLength(2);

    expect((await call(base, 'DELETE', `/endpoints/${created.json.id}`)).status).toBe(204);
    expect((await call(base, 'DELETE', `/endpoints/${created.json.id}`)).status).toBe(404);
    const badEndpoint = await call(base, 'POST', '/endpoints', {
      url: 'ftp://x',
      events: ['nope'],
      sign: true,
    });
    expect(badEndpoint.status).toBe(400);
    const paths = (badEndpoint.json.error as { issues: { path: string[] }[] }).issues.map(
      (issue) => issue.path[0],
    );
    expect(paths).toEqual(expect.arrayContaining(['url', 'events']));
  });

  const delivery = (json: Record<string, unknown>, index: number) =>
    (json.deliveries as DeliveryView[])[index]?.id ?? '';

  it('lists deliveries newest first, filtered and cursor-paginated', async () => {
    const target = await receiver((n) => (n === 1 ? 500 : 200));
    const { base } = await sender({ TARGET_URL: target.url, RETRY_TIME_SCALE: '1' });
    const failing = await call(base, 'POST', '/events', { event: 'lead.created' });
    await eventually(() => target.requests.length === 1);
    const ok = await call(base, 'POST', '/events', { event: 'document.received', count: 4 });
    await Promise.all(deliveryIds(ok.json).map((id) => settled(base, id)));

    const pending = await call(base, 'GET', '/deliveries?state=pending');
    expect(deliveryIds(pending.json)).toEqual(deliveryIds(failing.json));
    expect((pending.json.deliveries as DeliveryView[])[0]?.nextAttemptAt).not.toBeNull();
    const byEvent = await call(base, 'GET', '/deliveries?event=document.received&limit=3');
    expect(deliveryIds(byEvent.json)).toEqual(deliveryIds(ok.json).reverse().slice(0, 3));
    expect(byEvent.json.nextCursor).toEqual(expect.any(String));
    const next = await call(
      base,
      'GET',
      `/deliveries?event=document.received&limit=3&cursor=${byEvent.json.nextCursor}`,
    );
    expect(deliveryIds(next.json)).toEqual([deliveryIds(ok.json)[0]]);
    expect(next.json.nextCursor).toBeNull();
    const all = await call(base, 'GET', '/deliveries');
    expect(deliveryIds(all.json)).toHaveLength(5);

    // lists leave the payload and the response bodies out unless include=payload
    const [light] = all.json.deliveries as Record<string, unknown>[];
    expect(light).not.toHaveProperty('payload');
    expect(light?.attempts).toEqual([expect.not.objectContaining({ responseBody: expect.anything() })]);
    expect(Object.keys((light?.attempts as object[] | undefined)?.[0] ?? {})).toEqual([
      'n',
      'startedAt',
      'durationMs',
      'status',
      'error',
    ]);
    const whole = await call(base, 'GET', '/deliveries?include=payload&limit=100');
    expect(whole.json.deliveries).toEqual(
      (all.json.deliveries as DeliveryView[]).map((delivery) =>
        expect.objectContaining({
          id: delivery.id,
          payload: expect.objectContaining({ event: delivery.event }),
          attempts: [expect.objectContaining({ responseBody: expect.stringMatching(/^answer \d$/) })],
        }),
      ),
    );
    const one = await call(base, 'GET', `/deliveries/${delivery(all.json, 0)}`);
    expect(one.json).toHaveProperty('payload');

    for (const query of [
      'limit=0',
      'limit=10001',
      'state=lost',
      'cursor=%3F%3F',
      'include=payload&limit=101',
      'include=bodies',
    ]) {
      const refused = await call(base, 'GET', `/deliveries?${query}`);
      expect(refused.status, query).toBe(400);
    }
  });

  it('redelivers a delivery as a new one with the same bytes', async () => {
    const target = await receiver();
    const { base } = await sender({ TARGET_URL: target.url });
    const posted = await call(base, 'POST', '/events', { event: 'lead.updated' });
    const [id] = deliveryIds(posted.json);
    await settled(base, id ?? '');
    const again = await call(base, 'POST', `/deliveries/${id}/redeliver`);
    expect(again.status).toBe(202);
    const redelivery = again.json.delivery as { id: string };
    const view = await settled(base, redelivery.id);
    expect(view).toMatchObject({ redeliveryOf: id, state: 'succeeded' });
    expect(target.requests.map((request) => request.body)).toEqual([
      target.requests[0]?.body,
      target.requests[0]?.body,
    ]);
    expect((await call(base, 'POST', '/deliveries/dlv_nope/redeliver')).status).toBe(404);
    expect((await call(base, 'GET', '/deliveries/dlv_nope')).status).toBe(404);
  });

  it('keeps delivering to others while one endpoint hangs', async () => {
    const hanging = await receiver(() => 'hang');
    const healthy = await receiver();
    const { base } = await sender({
      DELIVERY_CONCURRENCY: '4',
      ENDPOINT_CONCURRENCY: '2',
      DELIVERY_TIMEOUT_MS: '30000',
    });
    await call(base, 'POST', '/endpoints', { url: hanging.url });
    await call(base, 'POST', '/endpoints', { url: healthy.url });
    await call(base, 'POST', '/events', { event: 'lead.created', count: 20 });
    await eventually(() => healthy.requests.length === 20, 20_000);
    // the hanging endpoint holds 2 of the 4 slots until its 30 s timeout: all 20 healthy deliveries came
    // while its first two attempts were still open, since no third one had started (order, not speed)
    expect(hanging.requests).toHaveLength(2);
    // cut the hanging attempts, so the sender closes without waiting for their timeout
    await hanging.close();
  });
});
