import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ListenOptions, listen } from './listen.js';

// a stand-in for the receiver's GET /events/stream (the real one is exercised end to end in e2e/)
// and a local receiver that records what it is sent

const TOKEN = 'admin-token-0123456789abcdef';
const SECRET = 'local-secret-0123456789';
const events = [1, 2, 3, 4].map((n) => ({
  position: `p${n}`,
  id: `0190a0b0-0000-7000-8000-00000000000${n}`,
  type: 'lead.created',
  receivedAt: `2026-06-01T00:00:0${n}.000Z`,
  // spacing, key order and non-ascii text are the bytes to keep
  body: `{ "event" : "lead.created", "n": ${n}, "note": "caf\u00e9 \\u00e9\\n" }`,
}));

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
});

async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface StreamLog {
  requests: { url: string; lastEventId: string | undefined; authorization: string | undefined }[];
}

/** serves the events after Last-Event-ID (or ?after=), ending the stream after `perConnection` of them */
async function fakeStream(perConnection = events.length): Promise<{ url: string; log: StreamLog }> {
  const log: StreamLog = { requests: [] };
  const url = await serve((request, response) => {
    const lastEventId = request.headers['last-event-id'] as string | undefined;
    log.requests.push({ url: request.url ?? '', lastEventId, authorization: request.headers.authorization });
    if (request.headers.authorization !== `Bearer ${TOKEN}`) {
      response.writeHead(401).end();
      return;
    }
    const after = lastEventId ?? new URL(request.url ?? '/', 'http://x').searchParams.get('after') ?? 'p0';
    const start = events.findIndex((event) => event.position > after);
    const rest = start === -1 ? [] : events.slice(start, start + perConnection);
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(`retry: 2000\n\nid: ${after}\nevent: ready\ndata: {}\n\n`);
    for (const event of rest) {
      const { position, ...data } = event;
      response.write(`id: ${position}\nevent: delivery\ndata: ${JSON.stringify(data)}\n\n`);
    }
    // a restart: the stream ends after its share; past the last event it stays open
    if (rest.length === perConnection && start + perConnection < events.length) response.end();
  });
  return { url, log };
}

async function localReceiver(status: (n: number) => number = () => 200) {
  const received: { body: Buffer; headers: IncomingMessage['headers'] }[] = [];
  const url = await serve((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ body: Buffer.concat(chunks), headers: request.headers });
      response.writeHead(status(received.length)).end('{}');
    });
  });
  return { url: `${url}/webhooks/omniai`, received };
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (text: string) => out.push(text) },
      stderr: { write: (text: string) => err.push(text) },
    },
    out,
    err,
  };
}

function options(stream: string, forwardTo: string, extra: Partial<ListenOptions> = {}): ListenOptions {
  return {
    url: stream,
    token: TOKEN,
    forwardTo,
    credentials: { secretHeader: 'x-webhook-secret', secret: SECRET },
    json: true,
    timeScale: 0.0001,
    ...extra,
  };
}

describe('omni-contract listen', () => {
  it('re-posts each body byte for byte with the local credentials, one line per event, and exits after N', async () => {
    const { url } = await fakeStream();
    const local = await localReceiver();
    const dir = mkdtempSync(join(tmpdir(), 'listen-'));
    const ready = join(dir, 'ready');
    const { io, out } = capture();
    try {
      const code = await listen(options(url, local.url, { exitAfter: 4, readyFile: ready }), io);
      expect(code).toBe(0);
      expect(local.received.map((request) => request.body.toString('utf8'))).toEqual(
        events.map((event) => event.body),
      );
      expect(local.received.map((request) => request.body)).toEqual(
        events.map((event) => Buffer.from(event.body)),
      );
      expect(local.received[0]?.headers['x-webhook-secret']).toBe(SECRET);
      expect(local.received[0]?.headers['content-type']).toBe('application/json');
      const lines = out.map((line) => JSON.parse(line));
      expect(lines).toHaveLength(4);
      expect(lines[0]).toMatchObject({ id: events[0]?.id, forwarded: true, status: 200, attempts: 1 });
      expect(readFileSync(ready, 'utf8')).toMatch(/^\d{4}-/);
      expect(out.join('')).not.toContain(SECRET);
      expect(out.join('')).not.toContain(TOKEN);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('signs each attempt with --sign', async () => {
    const { url } = await fakeStream();
    const local = await localReceiver();
    const key = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const { io } = capture();
    await listen(
      options(url, local.url, {
        exitAfter: 1,
        credentials: { secretHeader: 'x-webhook-secret', signingKey: key },
      }),
      io,
    );
    const headers = local.received[0]?.headers ?? {};
    expect(headers['webhook-signature']).toMatch(/^v1,/);
    expect(headers['webhook-id']).toMatch(/^msg_/);
    expect(headers['x-webhook-secret']).toBeUndefined();
  });

  it('starts from --since: a time as ?since=, an event id as ?after=', async () => {
    const { url, log } = await fakeStream();
    const local = await localReceiver();
    const { io } = capture();
    await listen(options(url, local.url, { exitAfter: 2, since: 'p2' }), io);
    expect(local.received.map((request) => request.body.toString())).toEqual([
      events[2]?.body,
      events[3]?.body,
    ]);
    expect(log.requests[0]?.url).toBe('/events/stream?after=p2');
    const other = await fakeStream();
    const { io: io2 } = capture();
    await listen(options(other.url, local.url, { since: '2026-06-01T00:00:00Z', exitAfter: 4 }), io2);
    expect(other.log.requests[0]?.url).toBe('/events/stream?since=2026-06-01T00%3A00%3A00Z');
  });

  it('reconnects when the stream breaks and resumes after the last event, nothing lost or repeated', async () => {
    const { url, log } = await fakeStream(1);
    const local = await localReceiver();
    const { io, err } = capture();
    expect(await listen(options(url, local.url, { exitAfter: 4 }), io)).toBe(0);
    expect(local.received.map((request) => request.body.toString())).toEqual(
      events.map((event) => event.body),
    );
    expect(log.requests.map((request) => request.lastEventId)).toEqual([undefined, 'p1', 'p2', 'p3']);
    expect(err.join('')).toMatch(/reopened/);
  });

  it('retries a failing local receiver, then reports the event and exits 1', async () => {
    const { url } = await fakeStream();
    // the first event fails every attempt; the second succeeds on its second attempt
    const local = await localReceiver((n) => (n <= 4 || n === 5 ? 500 : 200));
    const { io, out } = capture();
    expect(await listen(options(url, local.url, { exitAfter: 2 }), io)).toBe(1);
    const lines = out.map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({ forwarded: false, status: 500, attempts: 4 });
    expect(lines[1]).toMatchObject({ forwarded: true, status: 200, attempts: 2 });
  });

  it('never follows a redirect of the local receiver', async () => {
    const { url } = await fakeStream();
    const target = await localReceiver();
    const redirecting = await serve((_request, response) => {
      response.writeHead(307, { location: target.url }).end();
    });
    const { io, out } = capture();
    expect(await listen(options(url, redirecting, { exitAfter: 1, json: false }), io)).toBe(1);
    expect(target.received).toHaveLength(0);
    expect(out[0]).toMatch(/-> 307 after 4 attempts \(not forwarded: redirect not followed\)/);
  });

  it('gives up with an input error on a refused token', async () => {
    const { url } = await fakeStream();
    const { io } = capture();
    await expect(listen(options(url, 'http://127.0.0.1:9/x', { token: 'wrong' }), io)).rejects.toThrow(
      /admin token/,
    );
  });

  it('refuses a stream event past --max-event-bytes, counted in bytes, before forwarding anything', async () => {
    // 300 characters of two bytes each: under a 512-character bound, over a 512-byte one
    const big = {
      id: '0190a0b0-0000-7000-8000-0000000000ff',
      type: 'lead.created',
      receivedAt: '2026-06-01T00:00:00.000Z',
      body: 'é'.repeat(300),
    };
    const stream = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(
        `id: p0\nevent: ready\ndata: {}\n\nid: p1\nevent: delivery\ndata: ${JSON.stringify(big)}\n\n`,
      );
    });
    const local = await localReceiver();
    const { io, out } = capture();
    await expect(listen(options(stream, local.url, { maxEventBytes: 512 }), io)).rejects.toThrow(
      /exceeded 512 bytes/,
    );
    expect(local.received).toHaveLength(0);
    expect(out).toEqual([]);
  });

  it('writes neither the admin token nor the local secret, whatever happens', async () => {
    const { url } = await fakeStream();
    const local = await localReceiver((n) => (n <= 4 ? 500 : 200));
    const { io, out, err } = capture();
    expect(await listen(options(url, local.url, { exitAfter: 2, json: false }), io)).toBe(1);
    await listen(options(url, 'http://127.0.0.1:9/x', { exitAfter: 1 }), io);
    const written = [...out, ...err].join('');
    expect(written).toMatch(/not forwarded/);
    expect(written).not.toContain(TOKEN);
    expect(written).not.toContain(SECRET);
  });
});
