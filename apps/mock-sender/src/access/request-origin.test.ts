import { afterEach, describe, expect, it } from 'vitest';
import { rawRequest, type StartedSender, startGuardedSender } from '../test-support/guarded-sender.js';
import { startTestReceiver } from '../test-support/test-receiver.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

// no SENDER_API_TOKEN: the loopback default, where only these checks stand between a web page and the API
async function open(env: Record<string, string> = {}): Promise<StartedSender> {
  const started = await startGuardedSender({ SENDER_API_TOKEN: '', ...env });
  cleanups.push(() => started.sender.close());
  return started;
}

async function failedDelivery(started: StartedSender): Promise<string> {
  const target = await startTestReceiver(() => 500);
  cleanups.push(() => target.close());
  started.sender.endpoints.add({ url: target.url }, Date.now());
  const sent = await fetch(`${started.base}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ event: 'lead.created' }),
  });
  expect(sent.status).toBe(202);
  return ((await sent.json()) as { deliveries: { id: string }[] }).deliveries[0]?.id ?? '';
}

describe('cross-site requests', () => {
  it('refuses a cross-site form post to redeliver, which reads no body', async () => {
    const started = await open();
    const id = await failedDelivery(started);
    const before = started.sender.outbox.list({ limit: 100 }).deliveries.length;
    const host = new URL(started.base).host;
    // what a browser sends for <form method=post action=http://127.0.0.1:4000/deliveries/ID/redeliver>
    const posted = await rawRequest(
      started.base,
      'POST',
      `/deliveries/${id}/redeliver`,
      {
        host,
        origin: 'http://evil.example',
        'sec-fetch-site': 'cross-site',
        'sec-fetch-mode': 'navigate',
        'content-type': 'application/x-www-form-urlencoded',
      },
      'x=1',
    );
    expect(posted.status).toBe(403);
    expect(JSON.parse(posted.body)).toMatchObject({ error: { code: 'cross_site_request' } });
    // an older browser: Origin alone
    const originOnly = await rawRequest(started.base, 'POST', `/deliveries/${id}/redeliver`, {
      host,
      origin: 'http://evil.example',
    });
    expect(originOnly.status).toBe(403);
    const sandboxed = await rawRequest(started.base, 'POST', `/deliveries/${id}/redeliver`, {
      host,
      origin: 'null',
    });
    expect(sandboxed.status).toBe(403);
    expect(started.sender.outbox.list({ limit: 100 }).deliveries).toHaveLength(before);
  });

  it('refuses cross-site writes on every state-changing route', async () => {
    const started = await open();
    const host = new URL(started.base).host;
    for (const [method, path] of [
      ['POST', '/events'],
      ['POST', '/events/validate'],
      ['POST', '/endpoints'],
      ['DELETE', '/endpoints/default'],
      ['POST', '/deliveries/dlv_x/redeliver'],
    ] as const) {
      const answer = await rawRequest(
        started.base,
        method,
        path,
        {
          host,
          'sec-fetch-site': 'cross-site',
          'content-type': 'application/json',
        },
        method === 'POST' ? '{"event":"lead.created"}' : undefined,
      );
      expect(answer.status, `${method} ${path}`).toBe(403);
    }
  });

  it('takes same-origin requests and clients that send no Origin', async () => {
    const started = await open({ ALLOWED_HOSTS: 'sender.staging.example' });
    const id = await failedDelivery(started);
    const host = new URL(started.base).host;
    const redeliver = (headers: Record<string, string>) =>
      rawRequest(started.base, 'POST', `/deliveries/${id}/redeliver`, { host, ...headers });
    expect((await redeliver({ origin: started.base, 'sec-fetch-site': 'same-origin' })).status).toBe(202);
    expect((await redeliver({})).status).toBe(202);
  });

  it('compares the scheme, the host and the port of Origin with the request', async () => {
    const started = await open({ ALLOWED_HOSTS: 'sender.staging.example' });
    const id = await failedDelivery(started);
    const { host, port } = new URL(started.base);
    const redeliver = (headers: Record<string, string>) =>
      rawRequest(started.base, 'POST', `/deliveries/${id}/redeliver`, { host, ...headers });
    const before = started.sender.outbox.list({ limit: 100 }).deliveries.length;
    for (const origin of [
      'http://127.0.0.1:8080',
      `https://127.0.0.1:${port}`,
      'http://127.0.0.1',
      `http://sender.staging.example:${Number(port) + 1}`,
      'https://sender.staging.example',
    ]) {
      const answer = await redeliver({ origin });
      expect(answer.status, origin).toBe(403);
      expect(JSON.parse(answer.body), origin).toMatchObject({ error: { code: 'cross_site_request' } });
    }
    expect(started.sender.outbox.list({ limit: 100 }).deliveries).toHaveLength(before);
    expect((await redeliver({ origin: `http://127.0.0.1:${port}` })).status).toBe(202);
  });

  it('behind a TLS proxy (TRUST_PROXY), takes the origin the proxy forwards', async () => {
    const started = await open({ ALLOWED_HOSTS: 'sender.staging.example', TRUST_PROXY: 'true' });
    const id = await failedDelivery(started);
    const redeliver = (headers: Record<string, string>) =>
      rawRequest(started.base, 'POST', `/deliveries/${id}/redeliver`, headers);
    const forwarded = { host: 'sender.staging.example', 'x-forwarded-proto': 'https' };
    expect((await redeliver({ ...forwarded, origin: 'https://sender.staging.example' })).status).toBe(202);
    expect((await redeliver({ ...forwarded, origin: 'http://sender.staging.example' })).status).toBe(403);
  });
});

describe('Host header (DNS rebinding)', () => {
  it("refuses a request under a name that is not the sender's, reads included", async () => {
    const started = await open();
    const { port } = new URL(started.base);
    for (const [method, path] of [
      ['GET', '/deliveries'],
      ['GET', '/endpoints'],
      ['GET', '/'],
      ['POST', '/events'],
    ] as const) {
      // a page at http://rebound.evil.example:PORT whose name now resolves to 127.0.0.1: same origin for the browser
      const answer = await rawRequest(
        started.base,
        method,
        path,
        {
          host: `rebound.evil.example:${port}`,
          origin: `http://rebound.evil.example:${port}`,
          'sec-fetch-site': 'same-origin',
          'content-type': 'application/json',
        },
        method === 'POST' ? '{"event":"lead.created"}' : undefined,
      );
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(JSON.parse(answer.body)).toMatchObject({
        error: { code: 'host_not_allowed', message: expect.stringContaining('ALLOWED_HOSTS') },
      });
    }
    expect(started.sender.outbox.list({ limit: 10 }).deliveries).toEqual([]);
    // probes keep working whatever name they use
    expect(
      (await rawRequest(started.base, 'GET', '/healthz', { host: `probe.internal:${port}` })).status,
    ).toBe(200);
  });

  it('takes IP literals, localhost, the HOST name and ALLOWED_HOSTS', async () => {
    const started = await open({ ALLOWED_HOSTS: 'sender.staging.example,Proxy.Example' });
    const { port } = new URL(started.base);
    for (const host of [
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      `10.0.0.5:${port}`,
      `localhost:${port}`,
      'sender.staging.example',
      `proxy.example:${port}`,
    ]) {
      expect((await rawRequest(started.base, 'GET', '/deliveries', { host })).status, host).toBe(200);
    }
    expect(
      (await rawRequest(started.base, 'GET', '/deliveries', { host: 'sender.staging.example.evil' })).status,
    ).toBe(403);
  });
});
