import { mkdtempSync, rmSync } from 'node:fs';
import { type IncomingMessage, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { safeParseWebhookEvent } from '@omni-webhooks/schema';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { loadConfig } from '../config.js';
import type { EndpointView } from '../endpoints/endpoint-registry.js';
import { createMockSender, type MockSender, type MockSenderOptions } from '../mock-sender.js';
import type { DeliveryListItem, DeliveryView } from '../outbox/outbox.js';
import { eventually, startTestReceiver } from '../test-support/test-receiver.js';
import type { Delivery, DeliveryRow, Endpoint, FeedEvent } from './browser/api.js';
import { loadConsoleAssets } from './console-assets.js';
import { type FeedMessage, MAX_BUFFERED_BYTES, MAX_FEED_CLIENTS } from './delivery-feed.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

async function sender(
  options: MockSenderOptions = {},
  env: Record<string, string> = {},
): Promise<{ sender: MockSender; base: string }> {
  const started = createMockSender(
    loadConfig({ DATABASE_URL: 'file::memory:', RETRY_TIME_SCALE: '0.001', LOG_LEVEL: 'silent', ...env }),
    options,
  );
  const base = await started.listen(0, '127.0.0.1');
  cleanups.push(() => started.close());
  return { sender: started, base };
}

async function post(base: string, path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

/** a GET with the path sent byte for byte (fetch would normalise `..`) */
function rawGet(base: string, path: string): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    request({ hostname, port, path }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

/** an event-stream request on a raw socket, resolved once its first bytes arrived */
function rawStream(base: string): Promise<{ socket: Socket }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    socket.once('error', reject);
    socket.once('data', () => resolve({ socket }));
    socket.write(`GET /deliveries/stream HTTP/1.1\r\nhost: ${hostname}\r\naccept: text/event-stream\r\n\r\n`);
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

describe('web console routes', () => {
  it('serves the page and its assets with their content types and a strict CSP', async () => {
    const { base } = await sender();
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<main');
    for (const [name, type] of [
      ['console.js', 'text/javascript; charset=utf-8'],
      ['console.css', 'text/css; charset=utf-8'],
    ]) {
      const asset = await fetch(`${base}/assets/${name}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toBe(type);
    }
  });

  it('answers 404 to anything outside the asset folder, however the path is spelled', async () => {
    const { base } = await sender();
    for (const path of [
      '/assets/../../package.json',
      '/assets/..%2F..%2Fpackage.json',
      '/assets/%2e%2e%2fconsole-assets.js',
      '/assets/..%5C..%5Cpackage.json',
      '/assets/nope.js',
      '/assets/',
    ]) {
      expect(await rawGet(base, path), path).toBe(404);
    }
  });

  it('reads only servable files, and answers 503 with how to build when the console is missing', async () => {
    const assets = loadConsoleAssets();
    expect([...assets.keys()]).toEqual(expect.arrayContaining(['index.html', 'console.css', 'console.js']));
    expect([...assets.keys()].every((name) => /\.(html|css|js|map)$/.test(name))).toBe(true);

    const empty = mkdtempSync(join(tmpdir(), 'no-console-'));
    cleanups.push(async () => rmSync(empty, { recursive: true, force: true }));
    const { base } = await sender({ consoleAssetsDir: empty });
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(503);
    expect(await page.json()).toMatchObject({ error: { code: 'console_not_built' } });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('generates a schema-valid sample of the asked type', async () => {
    const { base } = await sender();
    const sample = (await (await fetch(`${base}/events/sample?event=lead.created`)).json()) as {
      payload: unknown;
    };
    expect(safeParseWebhookEvent(sample.payload).success).toBe(true);
    expect(sample.payload).toMatchObject({ event: 'lead.created' });
    expect((await fetch(`${base}/events/sample?event=nope`)).status).toBe(400);
  });
});

describe('POST /events/validate', () => {
  it('answers the schema issues with their paths and stores nothing', async () => {
    const { sender: started, base } = await sender();
    const sample = (await (await fetch(`${base}/events/sample?event=document.received`)).json()) as {
      payload: { document: Record<string, unknown> };
    };
    expect(await post(base, '/events/validate', { event: 'document.received', ...sample })).toEqual({
      status: 200,
      json: { valid: true, issues: [] },
    });
    const broken = { ...sample.payload, document: { ...sample.payload.document, size: 'big' } };
    const answer = await post(base, '/events/validate', { event: 'lead.created', payload: broken });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      valid: false,
      issues: [
        { path: ['event'], code: 'event_mismatch' },
        { path: ['document', 'size'], message: expect.stringContaining('expected number') },
      ],
    });
    expect(started.outbox.list({ limit: 10 }).deliveries).toEqual([]);
    expect((await post(base, '/events/validate', { event: 'lead.created' })).status).toBe(400);
  });
});

describe('POST /events with endpointId', () => {
  it('delivers to that endpoint only; unknown or unsubscribed endpoints are refused', async () => {
    const { sender: started, base } = await sender();
    const chosen = await startTestReceiver();
    const other = await startTestReceiver();
    cleanups.push(
      () => chosen.close(),
      () => other.close(),
    );
    const target = started.endpoints.add({ url: chosen.url }, Date.now());
    started.endpoints.add({ url: other.url }, Date.now());
    const leadsOnly = started.endpoints.add({ url: other.url, events: ['lead.created'] }, Date.now());

    const sent = await post(base, '/events', { event: 'document.received', endpointId: target.id });
    expect(sent.status).toBe(202);
    expect((sent.json as { deliveries: { endpointId: string }[] }).deliveries).toEqual([
      expect.objectContaining({ endpointId: target.id }),
    ]);
    expect((await post(base, '/events', { event: 'lead.created', endpointId: 'ep_nope' })).status).toBe(404);
    expect(
      await post(base, '/events', { event: 'document.received', endpointId: leadsOnly.id }),
    ).toMatchObject({ status: 409, json: { error: { code: 'not_subscribed' } } });
  });
});

describe('GET /deliveries/stream', () => {
  it('streams attempts, settlements and API writes, and lets the sender stop while a client listens', async () => {
    const { sender: started, base } = await sender();
    const target = await startTestReceiver();
    cleanups.push(() => target.close());
    const response = await fetch(`${base}/deliveries/stream`);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
    if (!reader) throw new Error('no stream body');
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${pattern}: ${text}`);
        text += value;
      }
    };
    await readUntil(/retry: 2000/);
    expect(started.webConsole.feed.clientCount).toBe(1);

    await post(base, '/endpoints', { url: target.url });
    const sent = await post(base, '/events', { event: 'lead.updated' });
    const [delivery] = (sent.json as { deliveries: { id: string }[] }).deliveries;
    await readUntil(/event: settled\n/);
    expect(text).toContain(`event: change\ndata: {"method":"POST","path":"/endpoints"}`);
    expect(text).toContain(`event: change\ndata: {"method":"POST","path":"/events"}`);
    expect(text).toContain(
      `event: attempt\ndata: {"deliveryId":"${delivery?.id}","n":1,"status":200,"succeeded":true}`,
    );
    expect(text).toContain(`event: settled\ndata: {"deliveryId":"${delivery?.id}","state":"succeeded"`);

    await started.close();
    await expect(reader.read()).resolves.toMatchObject({ done: true });
    expect(started.webConsole.feed.clientCount).toBe(0);
  });

  it('closes the socket of a client that stops reading once it is dropped, so the sender can still stop', async () => {
    const { sender: started, base } = await sender();
    const client = await rawStream(base);
    // stops reading: the kernel buffers fill, then the feed's queue for it
    client.socket.pause();
    const closed = new Promise<void>((resolve) => client.socket.once('close', () => resolve()));
    const message = { type: 'change', data: { method: 'POST', path: `/${'x'.repeat(64 * 1024)}` } } as const;
    for (let n = 0; n < 2000 && started.webConsole.feed.clientCount > 0; n++) {
      started.webConsole.feed.publish(message);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(started.webConsole.feed.clientCount).toBe(0);
    // reading again, it gets what was sent, then the end of the connection (the server closed it)
    client.socket.resume();
    await withTimeout(closed, 3000, 'the dropped client socket to close');
    await withTimeout(started.close(), 3000, 'the sender to close');
  });

  it(`refuses more than ${MAX_FEED_CLIENTS} streams with 503`, async () => {
    const { sender: started, base } = await sender();
    const clients = await Promise.all(Array.from({ length: MAX_FEED_CLIENTS }, () => rawStream(base)));
    cleanups.push(async () => {
      for (const client of clients) client.socket.destroy();
    });
    expect(started.webConsole.feed.clientCount).toBe(MAX_FEED_CLIENTS);
    const refused = await fetch(`${base}/deliveries/stream`);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({
      error: { code: 'too_many_streams', message: expect.stringContaining('MAX_LIVE_STREAMS') },
    });
    clients[0]?.socket.destroy();
    await eventually(() => started.webConsole.feed.clientCount === MAX_FEED_CLIENTS - 1);
    const again = await fetch(`${base}/deliveries/stream`);
    expect(again.status).toBe(200);
    await again.body?.cancel();
  });

  it('takes its limit from MAX_LIVE_STREAMS', async () => {
    const { base } = await sender({}, { MAX_LIVE_STREAMS: '2' });
    const clients = await Promise.all([rawStream(base), rawStream(base)]);
    cleanups.push(async () => {
      for (const client of clients) client.socket.destroy();
    });
    const refused = await fetch(`${base}/deliveries/stream`);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({
      error: {
        message: '2 live streams are open already (MAX_LIVE_STREAMS): close a console tab and try again',
      },
    });
  });

  it('drops a client whose socket has not drained for the stall time, long before 1 MiB is queued for it', async () => {
    const { sender: started, base } = await sender({ feed: { stallMs: 300 } });
    const client = await rawStream(base);
    client.socket.pause();
    const closed = new Promise<void>((resolve) => client.socket.once('close', () => resolve()));
    const feed = started.webConsole.feed;
    // enough for the kernel buffers to fill and a first message to wait in the feed's queue, then quiet
    const message = { type: 'change', data: { method: 'POST', path: `/${'x'.repeat(16 * 1024)}` } } as const;
    for (let n = 0; n < 2000 && feed.queuedBytes === 0; n++) {
      feed.publish(message);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(feed.queuedBytes).toBeGreaterThan(0);
    expect(feed.queuedBytes).toBeLessThan(MAX_BUFFERED_BYTES / 2);
    expect(feed.clientCount).toBe(1);
    await eventually(() => feed.clientCount === 0);
    client.socket.resume();
    await withTimeout(closed, 3000, 'the stalled client socket to close');
  });

  it(`frees the slots of idle clients that never read once their stream is old enough`, async () => {
    const { sender: started, base } = await sender({ feed: { maxAgeMs: 400 } }, { MAX_LIVE_STREAMS: '3' });
    const clients = await Promise.all([rawStream(base), rawStream(base), rawStream(base)]);
    cleanups.push(async () => {
      for (const client of clients) client.socket.destroy();
    });
    for (const client of clients) client.socket.pause();
    expect((await fetch(`${base}/deliveries/stream`)).status).toBe(503);
    const closed = clients.map((client) => new Promise((resolve) => client.socket.once('close', resolve)));
    await eventually(() => started.webConsole.feed.clientCount === 0);
    // their connections go with them, so the sender can still stop
    for (const client of clients) client.socket.resume();
    await withTimeout(Promise.all(closed), 3000, 'the aged-out client sockets to close');
    const again = await fetch(`${base}/deliveries/stream`);
    expect(again.status).toBe(200);
    await again.body?.cancel();
  });

  it('forgets a client that goes away', async () => {
    const { sender: started, base } = await sender();
    const { hostname, port } = new URL(base);
    const client = request({ hostname, port, path: '/deliveries/stream' }).end();
    const response = await new Promise<IncomingMessage>((resolve) => client.once('response', resolve));
    await new Promise((resolve) => response.once('data', resolve));
    expect(started.webConsole.feed.clientCount).toBe(1);
    client.destroy();
    await eventually(() => started.webConsole.feed.clientCount === 0);
  });
});

describe('browser wire types', () => {
  it('match what the API answers', () => {
    expectTypeOf<DeliveryView>().toExtend<Delivery>();
    expectTypeOf<DeliveryListItem>().toExtend<DeliveryRow>();
    expectTypeOf<DeliveryRow>().toExtend<DeliveryListItem>();
    expectTypeOf<EndpointView>().toExtend<Endpoint>();
    expectTypeOf<FeedMessage>().toEqualTypeOf<FeedEvent>();
  });
});
