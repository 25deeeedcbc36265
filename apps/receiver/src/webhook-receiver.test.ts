import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSignatureHeaders } from '@omni-webhooks/contract';
import { WEBHOOK_EVENT_TYPES } from '@omni-webhooks/schema';
import { createFakeEvent, fixtures } from '@omni-webhooks/schema/fixtures';
import Koa from 'koa';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INGEST_RESPONSES } from './ingest/ingest-responses.js';
import { createSqliteInboxStore } from './store/sqlite/sqlite-inbox-store.js';
import {
  ADMIN_TOKEN,
  type Harness,
  type JsonBody,
  SECRETS,
  SIGNING_KEYS,
  startHarness,
} from './test-support/receiver-harness.js';
import { createWebhookReceiver } from './webhook-receiver.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

async function storedCount(): Promise<number> {
  const { json } = await harness.admin('/events?limit=10000');
  return json.events.length;
}

describe('POST /webhooks/omniai: the response table', () => {
  it.each(
    fixtures.map((fixture) => [`${fixture.origin} ${fixture.type}: ${fixture.name}`, fixture.event] as const),
  )('stores %s and answers 200', async (_name, event) => {
    const { status, json } = await harness.post(JSON.stringify(event));
    expect(status).toBe(200);
    expect(json).toMatchObject({ ok: true, status: 'accepted', deliveryCount: 1 });
    const stored = await harness.admin(`/events/${json.id}`);
    expect(stored.json).toMatchObject({ type: event.event, deliveryCount: 1, payload: event });
    expect(['received', 'processed']).toContain(stored.json.status);
  });

  it.each(WEBHOOK_EVENT_TYPES.map((type) => [type]))('stores a fake %s and answers 200', async (type) => {
    const event = createFakeEvent(type, undefined, { seed: 42 });
    const { status, json } = await harness.post(JSON.stringify(event));
    expect(status).toBe(200);
    expect((await harness.admin(`/events/${json.id}`)).json).toMatchObject({ type, payload: event });
  });

  it('stores a duplicate once, counting deliveries, whatever the key order and whitespace', async () => {
    const event = createFakeEvent('document.extracted', undefined, { seed: 7 });
    const first = await harness.post(JSON.stringify(event));
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(event).reverse()), null, 2);
    const again = await harness.post(JSON.stringify(event));
    const reserialized = await harness.post(`\n ${reordered} \n`);
    expect([first.status, again.status, reserialized.status]).toEqual([200, 200, 200]);
    expect(first.json.status).toBe('accepted');
    expect(again.json).toMatchObject({ id: first.json.id, status: 'duplicate', deliveryCount: 2 });
    expect(reserialized.json).toMatchObject({ id: first.json.id, status: 'duplicate', deliveryCount: 3 });
    expect((await harness.admin(`/events/${first.json.id}`)).json.deliveryCount).toBe(3);
  });

  it('stores 20 identical concurrent deliveries as one row with a delivery count of 20', async () => {
    const body = JSON.stringify(createFakeEvent('lead.created', undefined, { seed: 20 }));
    const before = await storedCount();
    const responses = await Promise.all(Array.from({ length: 20 }, () => harness.post(body)));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(new Set(responses.map((response) => response.json.id)).size).toBe(1);
    expect(responses.filter((response) => response.json.status === 'accepted')).toHaveLength(1);
    expect(await storedCount()).toBe(before + 1);
    expect((await harness.admin(`/events/${responses[0]?.json.id}`)).json.deliveryCount).toBe(20);
  });

  it('accepts each rotation secret', async () => {
    for (const secret of SECRETS) {
      const event = createFakeEvent('lead.updated');
      expect((await harness.post(JSON.stringify(event), { 'x-webhook-secret': secret })).status).toBe(200);
    }
  });

  it.each([
    ['no secret header', {}],
    ['a wrong secret', { 'x-webhook-secret': 'wrong' }],
    ['a prefix of a secret', { 'x-webhook-secret': SECRETS[0].slice(0, -1) }],
    ['a secret plus a suffix', { 'x-webhook-secret': `${SECRETS[1]}x` }],
    ['both secrets joined', { 'x-webhook-secret': SECRETS.join(',') }],
    ['the admin token', { 'x-webhook-secret': ADMIN_TOKEN }],
  ])('answers 401 to %s and stores nothing', async (_name, headers) => {
    const before = await storedCount();
    const response = await fetch(`${harness.url}/webhooks/omniai`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(createFakeEvent('lead.created')),
    });
    const json = await response.json();
    expect(response.status).toBe(401);
    expect(json).toEqual({ error: { code: 'unauthorized', message: INGEST_RESPONSES.unauthorized.message } });
    expect(JSON.stringify(json)).not.toContain(SECRETS[0]);
    expect(await storedCount()).toBe(before);
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['form data', 'application/x-www-form-urlencoded'],
    ['json in latin-1', 'application/json; charset=iso-8859-1'],
  ])('answers 415 to %s', async (_name, contentType) => {
    const { status, json } = await harness.post(JSON.stringify(createFakeEvent('lead.created')), {
      'content-type': contentType,
    });
    expect(status).toBe(415);
    expect(json.error.code).toBe('unsupported_media_type');
  });

  it('accepts application/json with a utf-8 charset and +json types', async () => {
    for (const contentType of ['application/json; charset=UTF-8', 'application/vnd.omni+json']) {
      const body = JSON.stringify(createFakeEvent('lead.created'));
      expect((await harness.post(body, { 'content-type': contentType })).status).toBe(200);
    }
  });

  it('answers 415 to a compressed body', async () => {
    const { status, json } = await harness.post('{}', { 'content-encoding': 'gzip' });
    expect([status, json.error.code]).toEqual([415, 'unsupported_content_encoding']);
  });

  it.each([
    ['not json', 'event=lead.created', 'invalid_json'],
    ['truncated json', '{"event":"lead.created"', 'invalid_json'],
    ['an empty body', '', 'invalid_json'],
    ['an array', '[{"event":"lead.created"}]', 'not_an_object'],
    ['a string', '"lead.created"', 'not_an_object'],
    ['no event', '{"data":{"leadId":"x"}}', 'missing_event'],
    ['a numeric event', '{"event":42}', 'missing_event'],
    [
      'deep nesting',
      `{"event":"lead.created","data":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
      'too_deep',
    ],
  ])('answers 400 to %s and stores nothing', async (_name, body, code) => {
    const before = await storedCount();
    const { status, json } = await harness.post(body);
    expect(status).toBe(400);
    expect(json.error.code).toBe(code);
    expect(await storedCount()).toBe(before);
  });

  it('stores a known event that fails the schema raw as rejected, answering 400 with the issues', async () => {
    const body = '{"event":"document.received","workspaceId":"w1","document":{"id":"d1"}}';
    const { status, json } = await harness.post(body);
    expect(status).toBe(400);
    expect(json.error.code).toBe('schema_validation_failed');
    expect(json.error.issues.length).toBeGreaterThan(0);
    expect(json.error.issues[0]).toEqual({
      path: expect.any(Array),
      message: expect.any(String),
      code: expect.any(String),
    });
    const stored = await harness.admin(`/events/${json.id}`);
    expect(stored.json).toMatchObject({
      status: 'rejected',
      type: 'document.received',
      payload: JSON.parse(body),
    });
    expect(stored.json.issues).toEqual(json.error.issues);
    // the sender retries a 400: the same body is counted, not stored twice
    const retried = await harness.post(body);
    expect([retried.status, retried.json.id]).toEqual([400, json.id]);
    expect((await harness.admin(`/events/${json.id}`)).json.deliveryCount).toBe(2);
  });

  it('caps the issues of a body with many bad items, in the answer and in the stored row', async () => {
    const event = createFakeEvent('action_log.completed', undefined, { seed: 3 });
    const body = JSON.stringify({
      ...event,
      actionLog: { ...event.actionLog, messages: Array(40_000).fill(1) },
    });
    const response = await fetch(`${harness.url}/webhooks/omniai`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRETS[0] },
      body,
    });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(text.length).toBeLessThan(20_000);
    const { error, id } = JSON.parse(text);
    expect(error.issues).toHaveLength(51);
    expect(error.issues[50]).toEqual({
      path: [],
      code: 'too_many_issues',
      message: '39950 more issues left out',
    });
    expect((await harness.admin(`/events/${id}`)).json.issues).toEqual(error.issues);
  });

  it('stores an unknown event name as ignored and answers 200', async () => {
    const body = JSON.stringify({ event: 'lead.archived', data: { leadId: 'l-9' } });
    const { status, json } = await harness.post(body);
    expect(status).toBe(200);
    expect(json.status).toBe('ignored');
    expect((await harness.admin(`/events/${json.id}`)).json).toMatchObject({
      status: 'ignored',
      type: 'lead.archived',
    });
  });

  it('answers 405 to other methods on the ingest path', async () => {
    const response = await fetch(`${harness.url}/webhooks/omniai`);
    expect(response.status).toBe(405);
  });

  it('refuses __proto__ and constructor keys alike (400 reserved_key), polluting no prototype', async () => {
    const event = JSON.stringify(createFakeEvent('lead.created'));
    const before = await storedCount();
    for (const hostile of ['{"__proto__":{"polluted":"yes"},', '{"constructor":{"prototype":{"x":1}},']) {
      const { status, json } = await harness.post(event.replace(/^\{/, hostile));
      expect([status, json.error.code], hostile).toEqual([400, 'reserved_key']);
    }
    expect(await storedCount()).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('x');
  });

  it('refuses a body that repeats a key (400 duplicate_key): the stored event could not be told apart', async () => {
    const event = JSON.stringify(createFakeEvent('lead.created'));
    const before = await storedCount();
    const { status, json } = await harness.post(event.replace(/\}$/, ',"event":"lead.archived"}'));
    expect([status, json.error.code]).toEqual([400, 'duplicate_key']);
    expect(await storedCount()).toBe(before);
  });

  it('stores a huge string under the limit', async () => {
    const event = createFakeEvent('lead.created', { data: { businessName: 'x'.repeat(900_000) } });
    const { status } = await harness.post(JSON.stringify(event));
    expect(status).toBe(200);
  });
});

describe('POST /webhooks/omniai: limits, signatures, storage failure', () => {
  it('answers 413 over the default 1 MiB and stores nothing', async () => {
    const event = createFakeEvent('lead.created', { data: { businessName: 'x'.repeat(1024 * 1024) } });
    const before = await storedCount();
    const { status, json } = await harness.post(JSON.stringify(event));
    expect([status, json.error.code]).toEqual([413, 'payload_too_large']);
    expect(await storedCount()).toBe(before);
  });

  it('answers 413 over a configured limit, also without a content-length', async () => {
    const small = await startHarness({ BODY_LIMIT_BYTES: '2048' });
    try {
      const event = JSON.stringify(
        createFakeEvent('lead.created', { data: { businessName: 'x'.repeat(3000) } }),
      );
      expect((await small.post(event)).status).toBe(413);
      const chunked = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(event));
          controller.close();
        },
      });
      const response = await fetch(`${small.url}/webhooks/omniai`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRETS[0] },
        body: chunked,
        duplex: 'half',
      } as RequestInit);
      expect(response.status).toBe(413);
    } finally {
      await small.close();
    }
  });

  it('verifies standard webhooks signatures when sent, keys on webhook-id, refuses replays', async () => {
    const body = JSON.stringify(createFakeEvent('document.received'));
    const signed = createSignatureHeaders({ secret: SIGNING_KEYS[1], body, id: 'msg_signed_1' });
    const first = await harness.post(body, signed);
    expect(first.status).toBe(200);
    expect((await harness.admin(`/events/${first.json.id}`)).json.dedupeKey).toBe('webhook-id:msg_signed_1');
    const replay = await harness.post(body, signed);
    expect(replay.json).toMatchObject({ id: first.json.id, status: 'duplicate' });

    const tampered = await harness.post(body.replace('"document.received"', ' "document.received"'), signed);
    expect([tampered.status, tampered.json.error.code]).toEqual([401, 'invalid_signature']);
    const old = createSignatureHeaders({
      secret: SIGNING_KEYS[0],
      body,
      timestamp: Math.floor(Date.now() / 1000) - 301,
    });
    const stale = await harness.post(body, old);
    expect([stale.status, stale.json.error.message]).toEqual([
      401,
      expect.stringContaining('timestamp_too_old'),
    ]);
  });

  it('requires a signature in required mode', async () => {
    const strict = await startHarness({ SIGNATURE_MODE: 'required' });
    try {
      const body = JSON.stringify(createFakeEvent('lead.created'));
      expect((await strict.post(body)).status).toBe(401);
      expect(
        (await strict.post(body, createSignatureHeaders({ secret: SIGNING_KEYS[0], body }))).status,
      ).toBe(200);
    } finally {
      await strict.close();
    }
  });

  it('answers 503 when the store fails, and readyz says so', async () => {
    const broken = await startHarness();
    await broken.store.close();
    const { status, json } = await broken.post(JSON.stringify(createFakeEvent('lead.created')));
    expect([status, json.error.code]).toEqual([503, 'store_unavailable']);
    expect((await fetch(`${broken.url}/readyz`)).status).toBe(503);
    // metrics matter most during an outage: every other metric is still served
    const metrics = await fetch(`${broken.url}/metrics`);
    const text = await metrics.text();
    expect(metrics.status).toBe(200);
    expect(text).toMatch(/omni_receiver_events_received_total\{type="none",outcome="store_unavailable"\} 1/);
    expect(text).not.toMatch(/omni_receiver_inbox_events\{/);
    await broken.close();
  });
});

describe('operations routes', () => {
  it('answers healthz, readyz and metrics', async () => {
    expect(await (await fetch(`${harness.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${harness.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    expect(metrics).toMatch(
      /omni_receiver_events_received_total\{type="lead.created",outcome="accepted"\} \d+/,
    );
    expect(metrics).toMatch(/omni_receiver_duplicates_total\{type="lead.created"\} 19/);
    expect(metrics).toMatch(/omni_receiver_rejected_total\{type="document.received"\} 2/);
    expect(metrics).toMatch(/omni_receiver_ack_duration_seconds_bucket/);
    expect(metrics).toMatch(/omni_receiver_inbox_events\{status="received"\} \d+/);
    expect(metrics).toMatch(/omni_receiver_events_received_total\{type="none",outcome="unauthorized"\} \d+/);
  });

  it('guards the read API with the bearer token', async () => {
    expect((await fetch(`${harness.url}/events`)).status).toBe(401);
    const wrong = await fetch(`${harness.url}/events`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}x` },
    });
    expect(wrong.status).toBe(401);
  });

  it('lists newest first with filters, limits and cursors', async () => {
    const all = await harness.admin('/events?limit=10000');
    const times = all.json.events.map((event: { receivedAt: string }) => event.receivedAt);
    expect(times).toEqual([...times].sort().reverse());
    const page = await harness.admin('/events?limit=2');
    expect(page.json.events).toHaveLength(2);
    const next = await harness.admin(`/events?limit=2&cursor=${page.json.nextCursor}`);
    expect(next.json.events[0].id).toBe(all.json.events[2].id);
    const rejected = await harness.admin('/events?status=rejected');
    expect(rejected.json.events.every((event: { status: string }) => event.status === 'rejected')).toBe(true);
    const byType = await harness.admin('/events?type=lead.archived');
    expect(byType.json.events.map((event: { type: string }) => event.type)).toEqual(['lead.archived']);
    expect(Object.keys(byType.json.events[0]).sort()).toEqual(
      [
        'id',
        'type',
        'dedupeKey',
        'status',
        'deliveryCount',
        'receivedAt',
        'processedAt',
        'handlerAttempts',
        'lastError',
      ].sort(),
    );
    const withPayload = await harness.admin('/events?type=lead.archived&include=payload');
    expect(withPayload.json.events[0].payload).toEqual({ event: 'lead.archived', data: { leadId: 'l-9' } });
    const queries = ['limit=0', 'limit=10001', 'limit=x', 'status=done', 'cursor=bogus', 'include=body'];
    for (const query of [...queries, 'include=payload&limit=101']) {
      expect((await harness.admin(`/events?${query}`)).status).toBe(400);
    }
    expect((await harness.admin('/events/no-such-id')).status).toBe(404);
  });
});

describe('a custom dedupe key function that throws', () => {
  it('answers 503 dedupe_key_failed, stores nothing, and logs the error without the body', async () => {
    const store = createSqliteInboxStore({ filename: ':memory:' });
    await store.migrate();
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const receiver = createWebhookReceiver({
      store,
      auth: { secrets: [SECRETS[0]] },
      logger,
      ingest: {
        dedupeKey: () => {
          throw new Error('key service down');
        },
      },
    });
    const server = new Koa().use(receiver).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const body = JSON.stringify(
        createFakeEvent('lead.created', { data: { email: 'private@example.com' } }),
      );
      const response = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRETS[0] },
        body,
      });
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({
        error: { code: 'dedupe_key_failed', message: INGEST_RESPONSES.dedupe_key_failed.message },
      });
      expect((await store.countByStatus()).received).toBe(0);
      const logged = lines.join('');
      expect(logged).toContain('key service down');
      expect(logged).not.toContain('private@example.com');
    } finally {
      server.close();
      await store.close();
    }
  });

  it('takes a whsec_ secret as a signing key only when it is a valid one (16+ key bytes)', async () => {
    const store = createSqliteInboxStore({ filename: ':memory:' });
    await store.migrate();
    const validKey = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const shortKey = 'whsec_c2hvcnQta2V5LTA5';
    const receiver = createWebhookReceiver({
      store,
      auth: { secrets: [validKey, shortKey], signatureMode: 'required' },
      logger: pino({ level: 'silent' }),
    });
    const server = new Koa().use(receiver).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const deliver = (secret: string) => {
        const body = JSON.stringify(createFakeEvent('lead.created'));
        const headers = { 'content-type': 'application/json', ...createSignatureHeaders({ secret, body }) };
        return fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers, body });
      };
      expect((await deliver(validKey)).status).toBe(200);
      expect((await deliver(shortKey)).status).toBe(401);
    } finally {
      server.close();
      await store.close();
    }
  });
});

describe('rejected events after a schema fix', () => {
  // strict rejects a field a newer OmniAI added; lenient (the fix) accepts it
  const body = JSON.stringify({ ...createFakeEvent('lead.created', undefined, { seed: 99 }), addedLater: 1 });

  const dir = mkdtempSync(join(tmpdir(), 'receiver-fix-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function onSameFile<T>(env: Record<string, string>, file: string, run: (h: Harness) => Promise<T>) {
    const receiver = await startHarness({ ...env, DATABASE_URL: `file:${file}` });
    try {
      return await run(receiver);
    } finally {
      await receiver.close();
    }
  }

  async function replay(receiver: Harness, id: string) {
    const response = await fetch(`${receiver.url}/events/${id}/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    return { status: response.status, json: (await response.json()) as JsonBody };
  }

  it('a retry that now validates is accepted and processed, not swallowed as a duplicate', async () => {
    const file = join(dir, 'retry', 'inbox.sqlite');
    const id = await onSameFile({ VALIDATION_MODE: 'strict' }, file, async (strict) => {
      const { status, json } = await strict.post(body);
      expect([status, json.error.code]).toEqual([400, 'schema_validation_failed']);
      return json.id as string;
    });
    await onSameFile({ VALIDATION_MODE: 'lenient' }, file, async (lenient) => {
      const { status, json } = await lenient.post(body);
      expect(status).toBe(200);
      expect(json).toMatchObject({ id, status: 'accepted', deliveryCount: 2 });
      // stored rejected, so never counted before: the radar hears of it once it passes
      expect((await lenient.admin('/drift')).json.drift).toMatchObject([
        { event: 'lead.created', path: 'addedLater', kind: 'unknown_field', count: 1 },
      ]);
      await expect.poll(async () => (await lenient.admin(`/events/${id}`)).json.status).toBe('processed');
      expect((await lenient.admin(`/events/${id}`)).json).not.toHaveProperty('issues');
    });
  });

  it('POST /events/:id/replay re-validates with the current schema: 409 while invalid, then received', async () => {
    const file = join(dir, 'replay', 'inbox.sqlite');
    const id = await onSameFile({ VALIDATION_MODE: 'strict' }, file, async (strict) => {
      const { json } = await strict.post(body);
      const still = await replay(strict, json.id);
      expect(still.status).toBe(409);
      expect(still.json.error).toMatchObject({ code: 'still_invalid', issues: [expect.any(Object)] });
      expect((await strict.admin(`/events/${json.id}`)).json.status).toBe('rejected');
      expect((await replay(strict, '00000000-0000-0000-0000-000000000000')).status).toBe(404);
      return json.id as string;
    });
    await onSameFile({}, file, async (lenient) => {
      const replayed = await replay(lenient, id);
      expect(replayed.status).toBe(200);
      expect(replayed.json).toMatchObject({ id, status: 'received', payload: JSON.parse(body) });
      expect((await lenient.admin('/drift')).json.drift).toMatchObject([
        { event: 'lead.created', path: 'addedLater', kind: 'unknown_field', count: 1 },
      ]);
      await expect.poll(async () => (await lenient.admin(`/events/${id}`)).json.status).toBe('processed');
      const again = await replay(lenient, id);
      expect([again.status, again.json.error.code]).toEqual([409, 'not_replayable']);
      const unauthenticated = await fetch(`${lenient.url}/events/${id}/replay`, { method: 'POST' });
      expect(unauthenticated.status).toBe(401);
    });
  });
});
