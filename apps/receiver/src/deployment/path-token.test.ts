import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { createFakeEvent } from '@omni-webhooks/schema/fixtures';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, SECRETS, startHarness } from '../test-support/receiver-harness.js';

const TOKEN = 'tok_current_0123456789abcdefghijklmnop';
const OLD_TOKEN = 'tok_previous_0123456789abcdefghijklmno';
const lines: string[] = [];
const capture = new Writable({
  write(chunk, _encoding, done) {
    lines.push(String(chunk));
    done();
  },
});

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness(
    {
      WEBHOOK_SECRET: '',
      WEBHOOK_SIGNING_KEYS: '',
      SIGNATURE_MODE: '',
      WEBHOOK_PATH_TOKEN: `${TOKEN},${OLD_TOKEN}`,
      AUTH_FAILURE_LIMIT: '5',
      LOG_LEVEL: 'debug',
    },
    { logger: pino({ level: 'debug' }, capture) },
  );
});
afterAll(async () => {
  await harness.close();
});

let seed = 100;
async function deliver(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${harness.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(createFakeEvent('lead.created', undefined, { seed: seed++ })),
  });
  return { status: response.status, text: await response.text() };
}

describe('POST /webhooks/omniai/<token>', () => {
  it('accepts the current token and the previous one during a rotation, without any secret', async () => {
    expect((await deliver(`/webhooks/omniai/${TOKEN}`)).status).toBe(200);
    expect((await deliver(`/webhooks/omniai/${OLD_TOKEN}`)).status).toBe(200);
  });

  it('refuses a wrong token, a prefix of one, a longer one and none with 401', async () => {
    const before = (await harness.admin('/events?limit=1000')).json.events.length;
    for (const path of [
      `/webhooks/omniai/${TOKEN.replace(/.$/, 'X')}`,
      `/webhooks/omniai/${TOKEN.slice(0, -1)}`,
      `/webhooks/omniai/${TOKEN}x`,
      '/webhooks/omniai',
    ]) {
      const answer = await deliver(path, { 'x-forwarded-for': '203.0.113.9' });
      expect(answer.status, path).toBe(401);
      expect(answer.text).not.toContain(TOKEN.slice(0, 20));
      // neutral: it names no credential kind the receiver takes
      expect(JSON.parse(answer.text).error.message).toBe('missing or invalid webhook credentials');
    }
    expect((await harness.admin('/events?limit=1000')).json.events.length).toBe(before);
  });

  it('refuses a wrong secret header even with the right token', async () => {
    expect((await deliver(`/webhooks/omniai/${TOKEN}`, { 'x-webhook-secret': SECRETS[0] })).status).toBe(401);
  });

  it('counts wrong tokens in the failure limiter: a guesser is answered 429, the right token still passes', async () => {
    // the limiter's budget (5) was spent above by this address
    const guess = await deliver(`/webhooks/omniai/${'g'.repeat(40)}`);
    expect(guess.status).toBe(429);
    expect((await deliver(`/webhooks/omniai/${TOKEN}`)).status).toBe(200);
  });

  it('never writes the token to a log line or a metric, at debug', async () => {
    const malformed = await fetch(`${harness.url}/webhooks/omniai/${TOKEN}%E0%A4%A`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(malformed.status).toBeGreaterThanOrEqual(400);
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    expect(lines.length).toBeGreaterThan(3);
    for (const text of [...lines, metrics]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(OLD_TOKEN);
      expect(text).not.toContain(TOKEN.slice(0, 16));
    }
  });
});

describe('ALLOWED_SOURCE_CIDRS', () => {
  it('refuses other addresses with 403 before authentication, and believes X-Forwarded-For only with TRUST_PROXY', async () => {
    const env = { WEBHOOK_PATH_TOKEN: TOKEN, ALLOWED_SOURCE_CIDRS: '198.51.100.0/24, 2001:db8::/32' };
    const direct = await startHarness(env);
    const proxied = await startHarness({ ...env, TRUST_PROXY: 'true' });
    try {
      const post = (target: Harness, forwarded?: string) =>
        fetch(`${target.url}/webhooks/omniai/${TOKEN}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(forwarded ? { 'x-forwarded-for': forwarded } : {}),
          },
          body: JSON.stringify(createFakeEvent('lead.created', undefined, { seed: seed++ })),
        }).then((response) => response.status);
      // 127.0.0.1 is not in the list; a forged header does not help without TRUST_PROXY
      expect(await post(direct)).toBe(403);
      expect(await post(direct, '198.51.100.7')).toBe(403);
      expect(await post(proxied, '198.51.100.7')).toBe(200);
      expect(await post(proxied, '10.0.0.1, 2001:db8::5')).toBe(200);
      expect(await post(proxied, '198.51.100.7, 192.0.2.1')).toBe(403);
      expect(await post(proxied)).toBe(403);
    } finally {
      await direct.close();
      await proxied.close();
    }
  });
});

describe('AUTH_MODE=none', () => {
  it('takes deliveries without a credential on a loopback HOST', async () => {
    const open = await startHarness({
      WEBHOOK_SECRET: '',
      WEBHOOK_SIGNING_KEYS: '',
      SIGNATURE_MODE: '',
      AUTH_MODE: 'none',
    });
    try {
      expect((await open.post('{"event":"lead.created"}', {})).status).not.toBe(401);
      const answer = await fetch(`${open.url}/webhooks/omniai`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(createFakeEvent('lead.created', undefined, { seed: 1 })),
      });
      expect(answer.status).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe('a wrong path token, on a receiver of its own (a fresh failure budget)', () => {
  let own: Harness;
  beforeAll(async () => {
    own = await startHarness({
      WEBHOOK_SECRET: '',
      WEBHOOK_SIGNING_KEYS: '',
      SIGNATURE_MODE: '',
      WEBHOOK_PATH_TOKEN: TOKEN,
      AUTH_FAILURE_LIMIT: '100',
    });
  });
  afterAll(async () => {
    await own.close();
  });

  it('is answered 401 before the body is read: the answer comes while the body is still unsent', async () => {
    const { port } = new URL(own.url);
    const answer = await new Promise<number>((resolve, reject) => {
      const request = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/webhooks/omniai/${'w'.repeat(40)}`,
        headers: { 'content-type': 'application/json', 'content-length': String(512 * 1024) },
      });
      request.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
        request.destroy();
      });
      request.on('error', reject);
      // the headers go out; not one byte of the body does
      request.flushHeaders();
    });
    expect(answer).toBe(401);
  });

  it('keeps the token out of the admin answers of the events it stored', async () => {
    const delivered = await fetch(`${own.url}/webhooks/omniai/${TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(createFakeEvent('lead.created', undefined, { seed: 7 })),
    });
    expect(delivered.status).toBe(200);
    const list = await own.admin('/events?limit=10');
    expect(list.json.events).toHaveLength(1);
    const one = await own.admin(`/events/${list.json.events[0].id}`);
    expect(one.status).toBe(200);
    for (const text of [JSON.stringify(list.json), JSON.stringify(one.json)]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(TOKEN.slice(0, 16));
    }
  });
});
