import { connect } from 'node:net';
import { createSignatureHeaders } from '@omni-webhooks/contract';
import { createFakeEvent } from '@omni-webhooks/schema/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../test-support/raw-request.js';
import { type Harness, SECRETS, SIGNING_KEYS, startHarness } from '../test-support/receiver-harness.js';

// the findings, on 127.0.0.1 with small timeouts: nothing unauthenticated holds a connection

const head = (lines: string[]) =>
  `POST /webhooks/omniai HTTP/1.1\r\nhost: 127.0.0.1\r\n${lines.join('\r\n')}\r\n\r\n`;

describe('refusal on the headers alone, before the body', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  it.each([
    ['no secret, text/plain', ['content-type: text/plain'], 415],
    ['no secret, json', ['content-type: application/json'], 401],
    ['a wrong secret', ['content-type: application/json', 'x-webhook-secret: wrong-secret-0123456789'], 401],
    [
      'gzip',
      ['content-type: application/json', `x-webhook-secret: ${SECRETS[0]}`, 'content-encoding: gzip'],
      415,
    ],
  ])(
    'answers a stalled 1 MiB body with %s at once, and closes the connection',
    async (_name, lines, status) => {
      // 1 000 bytes of a declared 1 048 476, then nothing: the connection used to stay open for 300 s
      const exchange = await rawRequest(
        harness.url,
        head([...lines, 'content-length: 1048476']) + 'x'.repeat(1000),
        { giveUpMs: 3000 },
      );
      expect(exchange.status).toBe(status);
      expect(exchange.response.toLowerCase()).toContain('connection: close');
      expect(exchange.closedAfterMs).toBeLessThan(2000);
    },
  );

  it('answers 413 to a declared length over the limit without reading it', async () => {
    const exchange = await rawRequest(
      harness.url,
      head(['content-type: application/json', `x-webhook-secret: ${SECRETS[0]}`, 'content-length: 1048577']),
      { giveUpMs: 3000 },
    );
    expect(exchange.status).toBe(413);
    expect(exchange.closedAfterMs).toBeLessThan(2000);
  });

  it('refuses a stale signature on its headers, before the body', async () => {
    const body = JSON.stringify(createFakeEvent('lead.created'));
    const signature = createSignatureHeaders({
      secret: SIGNING_KEYS[0],
      body,
      timestamp: Math.floor(Date.now() / 1000) - 600,
    });
    const exchange = await rawRequest(
      harness.url,
      head([
        'content-type: application/json',
        `content-length: ${body.length + 100}`,
        ...Object.entries(signature).map(([name, value]) => `${name}: ${value}`),
      ]),
      { giveUpMs: 3000 },
    );
    expect(exchange.status).toBe(401);
    expect(exchange.response).toContain('timestamp_too_old');
  });

  it('reads a signature split over two headers, as node joins them with ", "', async () => {
    const body = JSON.stringify(createFakeEvent('lead.created'));
    const good = createSignatureHeaders({ secret: SIGNING_KEYS[1], body });
    const other = createSignatureHeaders({
      secret: SIGNING_KEYS[0],
      body: 'another body',
      id: good['webhook-id'],
    });
    const exchange = await rawRequest(
      harness.url,
      head([
        'content-type: application/json',
        'connection: close',
        `content-length: ${Buffer.byteLength(body)}`,
        `webhook-id: ${good['webhook-id']}`,
        `webhook-timestamp: ${good['webhook-timestamp']}`,
        `webhook-signature: ${good['webhook-signature']}`,
        `webhook-signature: ${other['webhook-signature']}`,
      ]) + body,
      { giveUpMs: 3000 },
    );
    expect(exchange.status).toBe(200);
  });
});

describe('timeouts and connection limits', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      HEADERS_TIMEOUT_MS: '400',
      REQUEST_TIMEOUT_MS: '800',
      MAX_CONNECTIONS: '4',
    });
  });
  afterAll(() => harness.close());

  it('closes a connection that trickles its headers (slowloris) once HEADERS_TIMEOUT_MS passes', async () => {
    const trickle = [
      ...'content-type: application/json\r\nx-padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n',
    ];
    const exchange = await rawRequest(harness.url, 'POST /webhooks/omniai HTTP/1.1\r\n', {
      trickle,
      everyMs: 50,
      giveUpMs: 4000,
    });
    // well before the trickle would end (about 3.5 s)
    expect(exchange.closedAfterMs).toBeLessThan(2000);
    expect([408, undefined]).toContain(exchange.status);
  });

  it.each([
    ['authenticated by its secret', [`x-webhook-secret: ${SECRETS[0]}`]],
    [
      'signed, without the secret',
      Object.entries(createSignatureHeaders({ secret: SIGNING_KEYS[0], body: '{}' })).map(
        ([name, value]) => `${name}: ${value}`,
      ),
    ],
  ])(
    'answers 408 to a body trickled a byte at a time (%s), bounded by REQUEST_TIMEOUT_MS',
    async (_name, lines) => {
      const exchange = await rawRequest(
        harness.url,
        head(['content-type: application/json', 'content-length: 200', ...lines]),
        { trickle: [...'{"event":"lead.created","data":{"leadId":"slow"}}'], everyMs: 100, giveUpMs: 4000 },
      );
      expect(exchange.status).toBe(408);
      expect(exchange.closedAfterMs).toBeLessThan(2500);
      expect((await harness.admin('/events?limit=10')).json.events).toEqual([]);
    },
  );

  it('closes connections past MAX_CONNECTIONS at once', async () => {
    const { port } = new URL(harness.url);
    const open = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const socket = connect(Number(port), '127.0.0.1');
        socket.on('error', () => undefined);
        await new Promise((resolve) => socket.once('connect', resolve));
        return socket;
      }),
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const fifth = await rawRequest(harness.url, head(['content-type: application/json']), {
        giveUpMs: 2000,
      });
      expect(fifth.status).toBeUndefined();
      expect(fifth.closedAfterMs).toBeLessThan(1000);
    } finally {
      for (const socket of open) socket.destroy();
    }
  });
});

describe('repeated authentication failures', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ AUTH_FAILURE_LIMIT: '3', AUTH_FAILURE_WINDOW_MS: '60000' });
  });
  afterAll(() => harness.close());

  it('answers 429 with retry-after once an address used its failures, still admitting the right secret', async () => {
    const body = JSON.stringify(createFakeEvent('lead.created'));
    const post = (headers: Record<string, string>) =>
      fetch(`${harness.url}/webhooks/omniai`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await post({ 'x-webhook-secret': `guess-${attempt}-0123456789` })).status).toBe(401);
    }
    const limited = await post({ 'x-webhook-secret': 'guess-3-0123456789' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(50);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('too_many_requests');
    // a signature needs the body read: a limited address is not read further
    expect((await post(createSignatureHeaders({ secret: SIGNING_KEYS[0], body }))).status).toBe(429);
    expect((await post({ 'x-webhook-secret': SECRETS[0] })).status).toBe(200);
  });
});
