import { afterEach, describe, expect, it } from 'vitest';
import { type StartedSender, startGuardedSender, TOKENS } from '../test-support/guarded-sender.js';

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

async function signIn(base: string, token: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}/console/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ token }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  return { response, body, cookie: response.headers.get('set-cookie') ?? '' };
}

describe('console sign-in', () => {
  it('trades the token once for an HttpOnly SameSite=Strict session cookie that is not the token', async () => {
    const { base } = await guarded();
    const { response, body, cookie } = await signIn(base, TOKENS[1]);
    expect(response.status).toBe(200);
    expect(body).toMatchObject({ required: true, signedIn: true, csrfToken: expect.any(String) });
    expect(cookie).toMatch(/^omni_mock_session=[\w-]{40,};/);
    expect(cookie.toLowerCase()).toContain('httponly');
    expect(cookie.toLowerCase()).toContain('samesite=strict');
    expect(cookie.toLowerCase()).toContain('path=/');
    expect(cookie.toLowerCase()).not.toContain('secure');
    expect(cookie).not.toContain(TOKENS[1]);

    const session = cookie.split(';')[0] ?? '';
    expect((await fetch(`${base}/deliveries`, { headers: { cookie: session } })).status).toBe(200);
    expect(await (await fetch(`${base}/console/session`, { headers: { cookie: session } })).json()).toEqual({
      required: true,
      signedIn: true,
      csrfToken: body.csrfToken,
      session: body.session,
    });
  });

  it('marks the cookie Secure when a trusted proxy says the page is served over https', async () => {
    const { base } = await guarded({ TRUST_PROXY: 'true' });
    const { cookie } = await signIn(base, TOKENS[0], { 'x-forwarded-proto': 'https' });
    expect(cookie.toLowerCase()).toContain('; secure');
  });

  it('refuses a wrong token with a clear message, after a delay', async () => {
    const { base, sender } = await guarded({}, { access: { failureDelayMs: 150 } });
    const started = performance.now();
    const { response, body, cookie } = await signIn(base, 'not-the-token-at-all');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(response.status).toBe(401);
    expect(body).toEqual({
      error: { code: 'invalid_token', message: 'wrong token: it is not one of the SENDER_API_TOKEN values' },
    });
    expect(cookie).toBe('');
    expect(sender.access.sessions.size).toBe(0);
  });

  it('needs the session CSRF token on every state-changing request, and refuses another origin', async () => {
    const { base } = await guarded();
    const { body, cookie } = await signIn(base, TOKENS[0]);
    const session = cookie.split(';')[0] ?? '';
    const csrf = String(body.csrfToken);
    const addEndpoint = (headers: Record<string, string>) =>
      fetch(`${base}/endpoints`, {
        method: 'POST',
        headers: { cookie: session, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ url: 'http://127.0.0.1:9/hook' }),
      });
    const noCsrf = await addEndpoint({});
    expect(noCsrf.status).toBe(403);
    expect(await noCsrf.json()).toMatchObject({ error: { code: 'csrf_token_mismatch' } });
    expect((await addEndpoint({ 'x-csrf-token': `${csrf.slice(1)}x` })).status).toBe(403);
    const crossOrigin = await addEndpoint({ 'x-csrf-token': csrf, origin: 'http://evil.example' });
    expect(crossOrigin.status).toBe(403);
    expect(await crossOrigin.json()).toMatchObject({ error: { code: 'cross_site_request' } });
    expect((await addEndpoint({ 'x-csrf-token': csrf, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await addEndpoint({ 'x-csrf-token': csrf, 'sec-fetch-site': 'same-site' })).status).toBe(403);
    const sameOrigin = await addEndpoint({
      'x-csrf-token': csrf,
      origin: base,
      'sec-fetch-site': 'same-origin',
    });
    expect(sameOrigin.status).toBe(201);
    // a session's CSRF token is its own
    const other = await signIn(base, TOKENS[1]);
    expect((await addEndpoint({ 'x-csrf-token': String(other.body.csrfToken) })).status).toBe(403);
  });

  it('refuses a sign-in posted from another origin (login CSRF)', async () => {
    const { base, sender } = await guarded();
    const { response } = await signIn(base, TOKENS[0], { origin: 'http://evil.example' });
    expect(response.status).toBe(403);
    expect(sender.access.sessions.size).toBe(0);
  });

  it('signs out: the session ends on the server and the cookie is cleared', async () => {
    const { base, sender } = await guarded();
    const { body, cookie } = await signIn(base, TOKENS[0]);
    const session = cookie.split(';')[0] ?? '';
    expect(
      (await fetch(`${base}/console/session`, { method: 'DELETE', headers: { cookie: session } })).status,
    ).toBe(403);
    const out = await fetch(`${base}/console/session`, {
      method: 'DELETE',
      headers: { cookie: session, 'x-csrf-token': String(body.csrfToken) },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^omni_mock_session=;.*expires=Thu, 01 Jan 1970/i);
    expect(sender.access.sessions.size).toBe(0);
    // the old cookie, kept by a client that ignores the clearing, opens nothing
    const after = await fetch(`${base}/deliveries`, { headers: { cookie: session } });
    expect(after.status).toBe(401);
    expect(await (await fetch(`${base}/console/session`, { headers: { cookie: session } })).json()).toEqual({
      required: true,
      signedIn: false,
    });
  });

  it('keeps at most the configured number of sessions', async () => {
    const { base, sender } = await guarded({}, { access: { sessions: { max: 3 } } });
    const cookies = [];
    for (let n = 0; n < 5; n++) cookies.push((await signIn(base, TOKENS[0])).cookie.split(';')[0] ?? '');
    expect(sender.access.sessions.size).toBe(3);
    expect((await fetch(`${base}/deliveries`, { headers: { cookie: cookies[0] ?? '' } })).status).toBe(401);
    expect((await fetch(`${base}/deliveries`, { headers: { cookie: cookies[4] ?? '' } })).status).toBe(200);
  });

  it('says a sender without a token needs no sign-in', async () => {
    const { base } = await guarded({ SENDER_API_TOKEN: '' });
    expect(await (await fetch(`${base}/console/session`)).json()).toEqual({
      required: false,
      signedIn: true,
    });
    expect((await signIn(base, TOKENS[0])).response.status).toBe(409);
  });
});
