import { afterEach, describe, expect, it } from 'vitest';
import { type StartedSender, startGuardedSender, TOKENS } from '../test-support/guarded-sender.js';
import { startTestReceiver } from '../test-support/test-receiver.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

async function guarded(...args: Parameters<typeof startGuardedSender>): Promise<StartedSender> {
  const started = await startGuardedSender(...args);
  cleanups.push(() => started.sender.close());
  return started;
}

interface Route {
  method: string;
  path: string;
  body?: unknown;
  /** the status with a valid token */
  ok: number;
}

/** every route that reads or changes state, against a sender with one endpoint and one delivery */
async function routes(started: StartedSender): Promise<Route[]> {
  const target = await startTestReceiver();
  cleanups.push(() => target.close());
  const endpoint = started.sender.endpoints.add({ url: target.url }, Date.now());
  const removable = started.sender.endpoints.add({ url: target.url }, Date.now());
  const sent = await fetch(`${started.base}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKENS[0]}`, 'content-type': 'application/json' },
    body: JSON.stringify({ event: 'lead.created', endpointId: endpoint.id }),
  });
  const deliveryId = ((await sent.json()) as { deliveries: { id: string }[] }).deliveries[0]?.id;
  return [
    { method: 'POST', path: '/events', body: { event: 'lead.created', endpointId: endpoint.id }, ok: 202 },
    { method: 'POST', path: '/events/validate', body: { event: 'lead.created', payload: {} }, ok: 200 },
    { method: 'GET', path: '/events/sample?event=lead.created', ok: 200 },
    { method: 'GET', path: '/deliveries', ok: 200 },
    { method: 'GET', path: `/deliveries/${deliveryId}`, ok: 200 },
    { method: 'POST', path: `/deliveries/${deliveryId}/redeliver`, ok: 202 },
    { method: 'GET', path: '/deliveries/stream', ok: 200 },
    { method: 'GET', path: '/endpoints', ok: 200 },
    { method: 'POST', path: '/endpoints', body: { url: target.url }, ok: 201 },
    { method: 'DELETE', path: `/endpoints/${removable.id}`, ok: 204 },
    { method: 'GET', path: '/console/settings', ok: 200 },
    { method: 'GET', path: '/no-such-route', ok: 404 },
  ];
}

async function call(base: string, route: Route, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${route.path}`, {
    method: route.method,
    headers: { ...headers, ...(route.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: route.body === undefined ? null : JSON.stringify(route.body),
  });
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    await response.body?.cancel();
    return { status: response.status, json: {} };
  }
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

describe('SENDER_API_TOKEN', () => {
  it('refuses every state route without a token and with a wrong one, and takes each rotation token', async () => {
    const started = await guarded();
    const table = await routes(started);
    for (const route of table) {
      const what = `${route.method} ${route.path}`;
      const missing = await call(started.base, route);
      expect(missing, `${what} without a token`).toMatchObject({
        status: 401,
        json: { error: { code: 'unauthorized', message: expect.stringContaining('SENDER_API_TOKEN') } },
      });
      const wrong = await call(started.base, route, { authorization: 'Bearer wrong-token-0123456789' });
      expect(wrong, `${what} with a wrong token`).toMatchObject({
        status: 401,
        json: { error: { code: 'invalid_token' } },
      });
      const notBearer = await call(started.base, route, { authorization: `Basic ${TOKENS[0]}` });
      expect(notBearer.status, `${what} with another scheme`).toBe(401);
    }
    // each rotation token alone opens every route (routes that consume state get fresh ones)
    for (const token of TOKENS) {
      for (const route of await routes(started)) {
        const answer = await call(started.base, route, { authorization: `Bearer ${token}` });
        expect(answer.status, `${route.method} ${route.path} with ${token.slice(0, 5)}`).toBe(route.ok);
      }
    }
  });

  it('leaves /healthz, the page and its files open: the page shows the sign-in form', async () => {
    const { base } = await guarded();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('id="sign-in-form"');
    expect((await fetch(`${base}/assets/console.js`)).status).toBe(200);
    expect(await (await fetch(`${base}/console/session`)).json()).toEqual({
      required: true,
      signedIn: false,
    });
  });

  it('answers a wrong token only after the failure delay', async () => {
    const { base } = await guarded({}, { access: { failureDelayMs: 200 } });
    const started = performance.now();
    const wrong = await fetch(`${base}/deliveries`, {
      headers: { authorization: 'Bearer nope-nope-nope-nope' },
    });
    expect(wrong.status).toBe(401);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('rate-limits wrong tokens per client address, even a right token then, within bounded memory', async () => {
    const { base, sender } = await guarded(
      { TRUST_PROXY: 'true' },
      { access: { failureDelayMs: 0, failedSignIns: { maxFailures: 3, windowMs: 60_000 } } },
    );
    const from = (address: string, token: string) =>
      fetch(`${base}/deliveries`, {
        headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': `203.0.113.50, ${address}` },
      });
    for (let n = 0; n < 3; n++) {
      expect((await from('198.51.100.7', 'wrong-token-0123456789')).status).toBe(401);
    }
    const blocked = await from('198.51.100.7', TOKENS[0]);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await blocked.json()).toMatchObject({ error: { code: 'too_many_failures' } });
    const signIn = await fetch(`${base}/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.7' },
      body: JSON.stringify({ token: TOKENS[0] }),
    });
    expect(signIn.status).toBe(429);
    // another client (the proxy's last X-Forwarded-For entry; the first one is the client's to forge) goes on
    expect((await from('198.51.100.8', TOKENS[0])).status).toBe(200);
    expect(sender.access.failedSignIns.trackedAddresses).toBe(1);
  });
});

describe('start-up', () => {
  it('warns when ALLOW_UNAUTHENTICATED lets a non-loopback sender run without a token', async () => {
    const started = await startGuardedSender(
      { HOST: '0.0.0.0', SENDER_API_TOKEN: '', ALLOW_UNAUTHENTICATED: 'true' },
      {},
      false,
    );
    cleanups.push(() => started.sender.close());
    expect(started.log.records()).toContainEqual(
      expect.objectContaining({
        level: 40,
        host: '0.0.0.0',
        msg: expect.stringContaining('ALLOW_UNAUTHENTICATED=true'),
      }),
    );
  });
});

describe('audit log', () => {
  it('logs each state-changing call with who, what and which delivery or endpoint, and no secret', async () => {
    const started = await guarded();
    const { base, log } = started;
    const target = await startTestReceiver();
    cleanups.push(() => target.close());
    const bearer = { authorization: `Bearer ${TOKENS[1]}`, 'content-type': 'application/json' };
    const added = await fetch(`${base}/endpoints`, {
      method: 'POST',
      headers: bearer,
      body: JSON.stringify({ url: target.url, secret: 'endpoint-secret-s3cr3t' }),
    });
    const endpointId = ((await added.json()) as { id: string }).id;
    const sent = await fetch(`${base}/events`, {
      method: 'POST',
      headers: bearer,
      body: JSON.stringify({ event: 'lead.created', endpointId }),
    });
    const deliveryId = ((await sent.json()) as { deliveries: { id: string }[] }).deliveries[0]?.id;
    const redelivered = await fetch(`${base}/deliveries/${deliveryId}/redeliver`, {
      method: 'POST',
      headers: bearer,
    });
    const redeliveryId = ((await redelivered.json()) as { delivery: { id: string } }).delivery.id;
    // through a console session
    const signIn = await fetch(`${base}/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: TOKENS[0] }),
    });
    const cookie = signIn.headers.get('set-cookie')?.split(';')[0] ?? '';
    const { csrfToken, session } = (await signIn.json()) as { csrfToken: string; session: string };
    const removed = await fetch(`${base}/endpoints/${endpointId}`, {
      method: 'DELETE',
      headers: { cookie, 'x-csrf-token': csrfToken },
    });
    expect(removed.status).toBe(204);
    await fetch(`${base}/endpoints`, {
      method: 'POST',
      headers: { authorization: 'Bearer wrong-token-0123456789' },
    });

    const audits = log.records().flatMap((record) => (record.audit ? [record.audit] : []));
    expect(audits).toEqual([
      expect.objectContaining({
        actor: 'token#2',
        via: 'bearer',
        action: 'POST /endpoints',
        status: 201,
        endpointId,
      }),
      expect.objectContaining({
        actor: 'token#2',
        action: 'POST /events',
        status: 202,
        eventTypes: ['lead.created'],
        deliveryCount: 1,
        deliveryIds: [deliveryId],
      }),
      expect.objectContaining({
        actor: 'token#2',
        action: `POST /deliveries/${deliveryId}/redeliver`,
        deliveryId,
        redeliveryId,
      }),
      expect.objectContaining({ actor: 'token#1', via: 'console', session, action: 'POST /console/session' }),
      expect.objectContaining({
        actor: 'token#1',
        via: 'console',
        session,
        action: `DELETE /endpoints/${endpointId}`,
        status: 204,
        endpointId,
      }),
    ]);
    expect(log.records()).toContainEqual(
      expect.objectContaining({ msg: 'refused a wrong API token', address: '127.0.0.1', via: 'bearer' }),
    );
    const secrets = [
      ...TOKENS,
      'wrong-token-0123456789',
      'endpoint-secret-s3cr3t',
      csrfToken,
      cookie.split('=')[1],
    ];
    for (const line of log.lines) {
      for (const secret of secrets) {
        expect(line).not.toContain(secret);
      }
    }
  });
});
