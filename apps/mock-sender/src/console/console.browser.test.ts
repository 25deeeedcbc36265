import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { verifyWebhookSignature } from '@omni-webhooks/contract';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createMockSender, type MockSender } from '../mock-sender.js';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';
import { launchChromium, signIn } from './test-support/console-browser.js';
import { startHeldTarget } from './test-support/held-target.js';

const ARTIFACTS = fileURLToPath(new URL('../../artifacts/', import.meta.url));
// generous per step: the machine is shared; every wait is for a condition, never a fixed time
const STEP_MS = 8000;

let browser: Browser;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  browser = await launchChromium();
}, 30_000);

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

interface Console {
  sender: MockSender;
  base: string;
  page: Page;
  /** uncaught errors in the page: a passing test has none */
  pageErrors: string[];
  /** POST /events requests the page made */
  sends: string[];
}

const API_TOKEN = 'console-test-token-0123456789';
const AUTHORIZED = { authorization: `Bearer ${API_TOKEN}` };

/** a sender with a SENDER_API_TOKEN, its console open and signed in */
async function openConsole(retryTimeScale = '0.01'): Promise<Console> {
  const sender = createMockSender(
    loadConfig({
      SENDER_API_TOKEN: API_TOKEN,
      DATABASE_URL: 'file::memory:',
      // waits of 0.6, 1.2 and 2.4 s by default: time for the page to show each scheduled retry before it starts
      RETRY_TIME_SCALE: retryTimeScale,
      // attempts are held open by the test, which answers them in turn
      DELIVERY_TIMEOUT_MS: '20000',
      LOG_LEVEL: 'silent',
    }),
  );
  const base = await sender.listen(0, '127.0.0.1');
  cleanups.push(() => sender.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  cleanups.push(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const pageErrors: string[] = [];
  const sends: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === '/events') {
      sends.push(request.postData() ?? '');
    }
  });
  await signIn(page, base, API_TOKEN);
  return { sender, base, page, pageErrors, sends };
}

async function receiver(respond?: Parameters<typeof startTestReceiver>[0]): Promise<TestReceiver> {
  const started = await startTestReceiver(respond);
  cleanups.push(() => started.close());
  return started;
}

async function addEndpoint(base: string, url: string): Promise<void> {
  const response = await fetch(`${base}/endpoints`, {
    method: 'POST',
    headers: { ...AUTHORIZED, 'content-type': 'application/json' },
    body: JSON.stringify({ url }),
  });
  expect(response.status).toBe(201);
}

function endpointIdOf(sender: MockSender, url: string): string {
  const endpoint = sender.endpoints.list().find((candidate) => candidate.url === url);
  if (!endpoint) throw new Error(`no endpoint for ${url}`);
  return endpoint.id;
}

// run in the page (as a string: these tests compile without the dom types)
const RECORD_SCHEDULED_ATTEMPTS = `(() => {
  const seen = [];
  window.scheduledShown = seen;
  const timeline = document.getElementById('timeline');
  new MutationObserver(() => {
    for (const next of timeline.querySelectorAll('[data-next-attempt]')) seen.push(next.textContent ?? '');
  }).observe(timeline, { childList: true, subtree: true });
})()`;

const failedAttempts = (page: Page) => page.locator('#timeline li.attempt--failed');

describe('web console in Chromium', { timeout: 30_000 }, () => {
  it('asks for the token once, keeps only an HttpOnly session cookie, and signs out', async () => {
    const sender = createMockSender(
      loadConfig({
        SENDER_API_TOKEN: `other-token-0123456789,${API_TOKEN}`,
        DATABASE_URL: 'file::memory:',
        LOG_LEVEL: 'silent',
      }),
      { access: { failureDelayMs: 50 } },
    );
    const base = await sender.listen(0, '127.0.0.1');
    cleanups.push(() => sender.close());
    const context = await browser.newContext();
    cleanups.push(() => context.close());
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    await page.goto(base);
    await page.locator('#sign-in-form').waitFor();
    await expect(page.locator('#console-main').isHidden()).resolves.toBe(true);
    await expect(page.locator('#sign-in-token:focus').count()).resolves.toBe(1);

    await page.getByLabel('API token').fill('not-the-token-0123456789');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#sign-in-error', { hasText: 'Wrong token' }).waitFor();
    await expect(page.locator('#console-main').isHidden()).resolves.toBe(true);

    await page.getByLabel('API token').fill(API_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#feed-status[data-connected="true"]').waitFor();
    await expect(page.locator('#sign-in').isHidden()).resolves.toBe(true);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({
      name: 'omni_mock_session',
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
    });
    expect(cookie?.value).not.toContain(API_TOKEN);
    await expect(page.evaluate('document.cookie')).resolves.toBe('');

    // a reload keeps the session: no second sign-in
    await page.reload();
    await page.locator('#feed-status[data-connected="true"]').waitFor();
    await expect(page.locator('#sign-in').isHidden()).resolves.toBe(true);

    // the page's writes pass the CSRF checks: an endpoint added from the form
    await page.getByLabel('URL').fill('http://127.0.0.1:9/hook');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.locator('#endpoint-list li', { hasText: 'http://127.0.0.1:9/hook' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#sign-in-form').waitFor();
    expect(sender.access.sessions.size).toBe(0);
    const stale = await fetch(`${base}/deliveries`, {
      headers: { cookie: `omni_mock_session=${cookie?.value}` },
    });
    expect(stale.status).toBe(401);
    expect(pageErrors).toEqual([]);
  });

  it('opens at once, with no sign-in form or sign-out, on a sender without a token', async () => {
    const sender = createMockSender(loadConfig({ DATABASE_URL: 'file::memory:', LOG_LEVEL: 'silent' }));
    const base = await sender.listen(0, '127.0.0.1');
    cleanups.push(() => sender.close());
    const context = await browser.newContext();
    cleanups.push(() => context.close());
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    await page.goto(base);
    await page.locator('#feed-status[data-connected="true"]').waitFor();
    await expect(page.locator('#console-main').isVisible()).resolves.toBe(true);
    await expect(page.locator('#sign-in').isHidden()).resolves.toBe(true);
    await expect(page.locator('#sign-out').isHidden()).resolves.toBe(true);
    await page.getByLabel('URL').fill('http://127.0.0.1:9/hook');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.locator('#endpoint-list li', { hasText: 'http://127.0.0.1:9/hook' }).waitFor();
  });

  it('refuses a form another site posts to redeliver from a signed-in browser', async () => {
    const { sender, base, page } = await openConsole();
    const target = await receiver(() => 500);
    await addEndpoint(base, target.url);
    const sent = await fetch(`${base}/events`, {
      method: 'POST',
      headers: { ...AUTHORIZED, 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'lead.created' }),
    });
    const [delivery] = ((await sent.json()) as { deliveries: { id: string }[] }).deliveries;
    // another origin (localhost, not 127.0.0.1) whose page posts a form to the sender as soon as it loads
    const attacker = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end(
        `<form method="post" action="${base}/deliveries/${delivery?.id}/redeliver"><input name="x" value="1"></form>` +
          '<script>document.forms[0].submit()</script>',
      );
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => attacker.close(() => resolve())));
    const refused = page.waitForResponse((response) => response.url().endsWith('/redeliver'));
    await page.goto(`http://localhost:${(attacker.address() as AddressInfo).port}/`);
    const answer = await refused;
    expect(answer.status()).toBe(403);
    expect(await answer.json()).toMatchObject({ error: { code: 'cross_site_request' } });
    expect(sender.outbox.list({ limit: 10 }).deliveries).toHaveLength(1);
  });

  it('adds an endpoint, sends a generated event to it alone, shows it succeed, removes the endpoint', async () => {
    const { sender, page, pageErrors } = await openConsole();
    const chosen = await receiver();
    const other = await receiver();
    sender.endpoints.add({ url: other.url }, Date.now());

    await page.getByLabel('URL').fill(chosen.url);
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.locator('#endpoint-list li', { hasText: chosen.url }).waitFor();
    const chosenId = endpointIdOf(sender, chosen.url);

    await page.getByLabel('Event type', { exact: true }).first().selectOption('lead.created');
    await page.getByLabel('Endpoint', { exact: true }).selectOption(chosenId);
    await page.getByRole('button', { name: 'Send', exact: true }).click();

    const row = page.locator('#delivery-rows tr', { hasText: 'lead.created' });
    await row.locator('.state', { hasText: 'succeeded' }).waitFor();
    await page.locator('#timeline li.attempt--succeeded', { hasText: 'HTTP 200' }).waitFor();
    // the 202 answers each event as { id, event }: the form names the event it created
    const [sent] = sender.outbox.list({ limit: 10 }).deliveries;
    await expect(page.locator('#send-result').textContent()).resolves.toBe(
      `Sent lead.created (${sent?.eventId}): 1 delivery created.`,
    );
    expect(chosen.requests).toHaveLength(1);
    expect(JSON.parse(chosen.requests[0]?.body ?? '{}')).toMatchObject({ event: 'lead.created' });
    expect(other.requests).toHaveLength(0);

    // keyboard: the row's button opens the timeline and moves focus to its heading
    await row.getByRole('button', { name: /^Attempts of lead\.created delivery/ }).focus();
    await page.keyboard.press('Enter');
    await page.locator('#timeline-heading:focus').waitFor();

    await page.getByRole('button', { name: `Remove endpoint ${chosen.url}` }).click();
    await page.locator('#endpoint-list li', { hasText: chosen.url }).waitFor({ state: 'detached' });
    expect(sender.endpoints.get(chosenId)).toBeUndefined();
    await expect(page.locator('#send-endpoint option').allTextContents()).resolves.not.toContainEqual(
      expect.stringContaining(chosen.url),
    );
    expect(pageErrors).toEqual([]);
  });

  it('adds an endpoint with a generated signing key whose deliveries verify, never showing the key again', async () => {
    const { sender, base, page, pageErrors } = await openConsole();
    const target = await receiver();
    const keyField = page.getByRole('textbox', { name: /^Signing key/ });

    // a plain secret is not a signing key: the 400 names the field, and nothing is added
    await page.getByLabel('URL').fill(target.url);
    await page.getByLabel('Secret').fill('plain-header-secret-0123');
    await page.getByLabel('Sign deliveries').check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.locator('#endpoint-result', { hasText: 'Not added: Signing key:' }).waitFor();
    await page.locator('#endpoint-signing-key-error', { hasText: 'signingKey' }).waitFor();
    await expect(keyField.getAttribute('aria-invalid')).resolves.toBe('true');
    await page.locator('#endpoint-signing-key:focus').waitFor();
    expect(sender.endpoints.list()).toEqual([]);

    await expect(keyField.getAttribute('type')).resolves.toBe('password');
    await page.getByRole('button', { name: 'Generate' }).click();
    // shown once in clear, so that it can be copied to the receiver
    await expect(keyField.getAttribute('type')).resolves.toBe('text');
    const signingKey = await keyField.inputValue();
    expect(signingKey).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    await expect(keyField.getAttribute('aria-invalid')).resolves.toBe('false');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const listed = page.locator('#endpoint-list li', { hasText: target.url });
    await listed.waitFor();
    await expect(listed.textContent()).resolves.toMatch(/secret in .* · signing key set · signed/);
    await expect(keyField.inputValue()).resolves.toBe('');
    await expect(keyField.getAttribute('type')).resolves.toBe('password');
    const endpointId = endpointIdOf(sender, target.url);
    expect(sender.endpoints.get(endpointId)).toMatchObject({ signingKey, sign: true });
    const listing = await (await fetch(`${base}/endpoints`, { headers: AUTHORIZED })).text();
    expect(listing).toContain('"hasSigningKey":true');
    expect(listing).not.toContain(signingKey.slice('whsec_'.length));
    await expect(page.content()).resolves.not.toContain(signingKey.slice('whsec_'.length));

    await page.getByLabel('Event type', { exact: true }).first().selectOption('lead.created');
    await page.getByLabel('Endpoint', { exact: true }).selectOption(endpointId);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.locator('#delivery-rows tr .state', { hasText: 'succeeded' }).waitFor();
    expect(target.requests).toHaveLength(1);
    const [delivered] = target.requests;
    const { secretHeader } = sender.endpoints.get(endpointId) ?? { secretHeader: '' };
    expect(delivered?.headers[secretHeader]).toBe('plain-header-secret-0123');
    expect(
      verifyWebhookSignature({
        headers: delivered?.headers ?? {},
        body: delivered?.body ?? '',
        secrets: [signingKey],
      }),
    ).toMatchObject({ ok: true });
    // the key is not what travels in clear: another key does not verify
    expect(
      verifyWebhookSignature({
        headers: delivered?.headers ?? {},
        body: delivered?.body ?? '',
        secrets: [`whsec_${Buffer.alloc(32, 7).toString('base64')}`],
      }),
    ).toMatchObject({ ok: false });
    expect(Object.values(delivered?.headers ?? {}).join(' ')).not.toContain(signingKey);
    expect(pageErrors).toEqual([]);
  });

  it('shows a failing delivery attempt by attempt as it happens, then redelivers it', async () => {
    // waits of 1.2, 2.4 and 4.8 s: on a loaded machine the page still shows each scheduled retry first
    const { sender, base, page, pageErrors } = await openConsole('0.02');
    // every scheduled attempt the timeline ever showed, however soon it gave way to the attempt itself
    await page.evaluate(RECORD_SCHEDULED_ATTEMPTS);
    const target = await startHeldTarget();
    cleanups.push(() => target.close());
    // added through the API by someone else: the open page learns of it from the live feed
    await addEndpoint(base, target.url);
    await page.locator('#send-endpoint option', { hasText: target.url }).waitFor({ state: 'attached' });

    await page.getByLabel('Event type', { exact: true }).first().selectOption('document.received');
    await page.getByRole('button', { name: 'Send', exact: true }).click();

    const answers: ((request: Awaited<ReturnType<typeof target.next>>) => void)[] = [
      (request) => request.respond(500, 'upstream exploded'),
      (request) => request.respond(503, 'down for maintenance'),
      (request) => request.reset(),
    ];
    for (const [index, answer] of answers.entries()) {
      answer(await target.next());
      // the next attempt is held by the target, so the page can show exactly this many failures
      await failedAttempts(page).nth(index).waitFor();
      await expect(failedAttempts(page).count()).resolves.toBe(index + 1);
      // then the retry, scheduled or (on a slow machine, once its wait is over) already under way
      await page.locator('#timeline [data-next-attempt], #timeline li.attempt--in_flight').first().waitFor();
    }
    const attempts = failedAttempts(page);
    await expect(attempts.nth(0).textContent()).resolves.toMatch(/HTTP 500.*upstream exploded/s);
    await expect(attempts.nth(1).textContent()).resolves.toMatch(/HTTP 503.*down for maintenance/s);
    await expect(attempts.nth(2).textContent()).resolves.toMatch(/no response.*Error/s);
    // the last wait is 4.8 s: the page showed the scheduled attempt before it started, which the
    // observer recorded (attempt 4 may be under way, held by the target, by the time this runs)
    await expect
      .poll(() => page.evaluate('window.scheduledShown') as Promise<string[]>, { timeout: STEP_MS })
      .toContainEqual(
        expect.stringMatching(/Attempt 4 of 4.*Next attempt at \d\d:\d\d:\d\d\.\d{3} \(in \d/s),
      );
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}console-timeline.png`, fullPage: true });

    (await target.next()).respond(500, 'still broken');
    await failedAttempts(page).nth(3).waitFor();
    await page.locator('#timeline h2 + dl .state', { hasText: 'failed' }).waitFor();
    await expect(page.locator('#timeline [data-next-attempt]').count()).resolves.toBe(0);
    const [failed] = sender.outbox.list({ limit: 10 }).deliveries;
    expect(failed).toMatchObject({ state: 'failed' });
    expect(failed?.attempts).toHaveLength(4);

    await page.locator('#timeline').getByRole('button', { name: 'Redeliver' }).click();
    (await target.next()).respond(200, 'ok');
    await page.locator('#timeline li.attempt--succeeded', { hasText: 'HTTP 200' }).waitFor();
    await page.locator('#timeline', { hasText: `Redelivery of${failed?.id}` }).waitFor();
    await expect.poll(() => page.locator('#delivery-rows tr').count(), { timeout: STEP_MS }).toBe(2);

    await page.getByRole('search').getByLabel('State').selectOption('failed');
    await page.locator('#delivery-rows tr').nth(1).waitFor({ state: 'detached' });
    await expect(page.locator('#delivery-rows tr').getAttribute('data-delivery-id')).resolves.toBe(
      failed?.id,
    );
    await page.getByRole('search').getByLabel('State').selectOption('');
    await page.getByRole('search').getByLabel('Event type').selectOption('lead.created');
    await page.locator('#deliveries-empty').waitFor();
    expect(pageErrors).toEqual([]);
  });

  it('reloads the light list at most every 500 ms through a burst of live events', async () => {
    const { base, page, pageErrors } = await openConsole();
    const target = await receiver();
    await addEndpoint(base, target.url);
    const lists: { at: number; url: string; body: Promise<string> }[] = [];
    page.on('response', (response) => {
      const url = new URL(response.url());
      // when the page asked (the browser's own clock), not when this busy test process heard the answer
      if (url.pathname === '/deliveries')
        lists.push({ at: response.request().timing().startTime, url: url.search, body: response.text() });
    });
    const started = performance.now();
    const sent = await fetch(`${base}/events`, {
      method: 'POST',
      headers: { ...AUTHORIZED, 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'lead.created', count: 400 }),
    });
    expect(sent.status).toBe(202);
    await expect.poll(() => target.requests.length, { timeout: STEP_MS }).toBe(400);
    // the last reload shows every delivery of the page succeeded
    await expect
      .poll(() => page.locator('#delivery-rows .state', { hasText: 'succeeded' }).count(), {
        timeout: STEP_MS,
      })
      .toBe(50);
    const elapsed = performance.now() - started;
    // 400 deliveries made about 1 200 live events; one reload per event (or per event burst) is what this stops
    expect(lists.length).toBeLessThanOrEqual(Math.ceil(elapsed / 500) + 2);
    for (const [index, list] of lists.entries()) {
      if (index > 0) expect(list.at - (lists[index - 1]?.at ?? 0)).toBeGreaterThan(400);
      expect(list.url).not.toContain('include');
      expect(await list.body).not.toMatch(/"payload"|"responseBody"/);
    }
    expect(pageErrors).toEqual([]);
  });

  it('shows schema errors of an edited payload at their paths and sends nothing', async () => {
    const { sender, base, page, pageErrors, sends } = await openConsole();
    const target = await receiver();
    await addEndpoint(base, target.url);
    await page.locator('#send-endpoint option', { hasText: target.url }).waitFor({ state: 'attached' });

    await page.getByLabel('Event type', { exact: true }).first().selectOption('document.received');
    await page.getByLabel('Edit a payload').check();
    const editor = page.getByLabel('Payload JSON');
    await expect.poll(() => editor.inputValue(), { timeout: STEP_MS }).toContain('"document.received"');
    const sample = JSON.parse(await editor.inputValue()) as { document: Record<string, unknown> };

    await editor.fill('{ "event": "document.received", ');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page
      .locator('#payload-issue-list li[data-path="(payload)"]', { hasText: 'not valid JSON' })
      .waitFor();

    const { workspaceId: _dropped, ...withoutWorkspace } = sample as Record<string, unknown>;
    await editor.fill(JSON.stringify({ ...withoutWorkspace, document: { ...sample.document, size: 'big' } }));
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const sizeIssue = page.locator('#payload-issue-list li[data-path="document.size"]');
    await sizeIssue.waitFor();
    await expect(sizeIssue.textContent()).resolves.toContain('expected number');
    await page.locator('#payload-issue-list li[data-path="workspaceId"]').waitFor();
    await expect(editor.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.locator('#send-result').textContent()).resolves.toContain('Nothing was sent');
    expect(sends).toEqual([]);
    expect(sender.outbox.list({ limit: 10 }).deliveries).toEqual([]);
    expect(target.requests).toEqual([]);

    await editor.fill(
      JSON.stringify({ ...sample, document: { ...sample.document, filename: 'edited.pdf' } }),
    );
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.locator('#delivery-rows tr .state', { hasText: 'succeeded' }).waitFor();
    await expect(page.locator('#payload-issues').isHidden()).resolves.toBe(true);
    expect(sends).toHaveLength(1);
    expect(JSON.parse(target.requests[0]?.body ?? '{}')).toMatchObject({
      document: { filename: 'edited.pdf' },
    });
    expect(pageErrors).toEqual([]);
  });
});
