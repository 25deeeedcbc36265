import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createMockSender, type MockSender } from '../mock-sender.js';
import type { RunView } from '../scenarios/scenario-runs.js';
import { startTestReceiver } from '../test-support/test-receiver.js';
import { launchChromium, signIn } from './test-support/console-browser.js';
import { type HeldTarget, startHeldTarget } from './test-support/held-target.js';

const ARTIFACTS = fileURLToPath(new URL('../../artifacts/', import.meta.url));
// generous per step: the machine is shared; every wait is for a condition, never a fixed time
const STEP_MS = 8000;
const API_TOKEN = 'scenario-panel-token-0123456789';
const AUTHORIZED = { authorization: `Bearer ${API_TOKEN}` };

let browser: Browser;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  browser = await launchChromium();
}, 30_000);

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** a sender with a token and one endpoint (`url`), its console open and signed in */
async function openConsole(
  url: string,
): Promise<{ sender: MockSender; base: string; page: Page; errors: string[] }> {
  const sender = createMockSender(
    loadConfig({
      SENDER_API_TOKEN: API_TOKEN,
      DATABASE_URL: 'file::memory:',
      RETRY_TIME_SCALE: '0.01',
      TARGET_URL: url,
      LOG_LEVEL: 'silent',
    }),
  );
  const base = await sender.listen(0, '127.0.0.1');
  cleanups.push(() => sender.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 1100 } });
  cleanups.push(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await signIn(page, base, API_TOKEN);
  await page.locator('#scenario-endpoint option[value="default"]').waitFor({ state: 'attached' });
  return { sender, base, page, errors };
}

/** answers every held request with 200 until stopped */
function answerAll(target: HeldTarget): () => void {
  let answering = true;
  void (async () => {
    while (answering) {
      const request = await target.next(1000).catch(() => undefined);
      request?.respond(200, 'ok');
    }
  })();
  return () => {
    answering = false;
  };
}

const fact = (page: Page, key: string) => page.locator(`#scenario-counts dd[data-fact="${key}"]`);
const summaryFact = (page: Page, key: string) =>
  page.locator(`#scenario-summary-facts dd[data-fact="${key}"]`);

async function runs(base: string): Promise<RunView[]> {
  const response = await fetch(`${base}/scenarios`, { headers: AUTHORIZED });
  return ((await response.json()) as { runs: RunView[] }).runs;
}

describe('the console\'s "Run a scenario" panel in Chromium', { timeout: 40_000 }, () => {
  it('names refused knobs by path, then plays a built-in with live counts and its summary', async () => {
    const target = await startHeldTarget();
    cleanups.push(() => target.close());
    const { base, page, errors } = await openConsole(target.url);
    await expect(page.locator('#scenario-name option').allTextContents()).resolves.toEqual([
      'lead-journey',
      'document-burst',
    ]);
    await expect(page.locator('#scenario-description').textContent()).resolves.toContain('lead.created');

    // refused before anything is stored or sent, each problem with its path
    await page.getByLabel('Duplicates').fill('2');
    await page.getByLabel('Leads').fill('0');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.locator('#scenario-issue-list li[data-path="duplicates"]').waitFor();
    await page.locator('#scenario-issue-list li[data-path="leads"]').waitFor();
    await page.locator('#scenario-result', { hasText: 'Not started' }).waitFor();
    expect(await runs(base)).toEqual([]);
    expect(target.received).toBe(0);

    await page.getByLabel('Leads').fill('2');
    await page.getByLabel('Speed').fill('1000000');
    await page.getByLabel('Duplicates').fill('0');
    await page.getByLabel('Reorder window').fill('0');
    await page.getByLabel('Seed').fill('3');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.locator('#scenario-issues').waitFor({ state: 'hidden' });

    // held at the receiver: both leads' first deliveries in flight, none settled, shown live
    const first = await target.next();
    const second = await target.next();
    await page.locator('#scenario-run-heading', { hasText: 'lead-journey to default: playing' }).waitFor();
    await fact(page, 'inFlight').filter({ hasText: /^2$/ }).waitFor();
    await expect(fact(page, 'settled').textContent()).resolves.toBe('0');
    await expect(page.locator('#scenario-stop').isVisible()).resolves.toBe(true);
    const [run] = await runs(base);
    if (!run) throw new Error('no run started');
    expect(run).toMatchObject({ status: 'running', knobs: { leads: 2, speed: 1_000_000, seed: 3 } });
    await expect(fact(page, 'planned').textContent()).resolves.toBe(String(run.progress.planned));

    first.respond(200, 'ok');
    await fact(page, 'settled').filter({ hasText: /^1$/ }).waitFor();
    second.respond(200, 'ok');
    const stop = answerAll(target);
    cleanups.push(async () => stop());

    const planned = run.progress.planned;
    await page.locator('#scenario-run-heading', { hasText: 'done' }).waitFor();
    await expect(summaryFact(page, 'deliveries').textContent()).resolves.toBe(`${planned} of ${planned}`);
    await expect(summaryFact(page, 'firstAttemptSuccesses').textContent()).resolves.toBe(String(planned));
    await expect(summaryFact(page, 'retried').textContent()).resolves.toBe('0');
    await expect(page.locator('#scenario-result').textContent()).resolves.toBe(
      `Run done: ${planned} of ${planned} delivered.`,
    );
    const bar = page.locator('#scenario-progress');
    await expect(Promise.all([bar.getAttribute('value'), bar.getAttribute('max')])).resolves.toEqual([
      String(planned),
      String(planned),
    ]);
    await expect(page.locator('#scenario-stop').isHidden()).resolves.toBe(true);
    expect(target.received).toBe(planned);
    // the deliveries went through the outbox: the delivery list shows them too
    await page
      .locator('#delivery-rows tr')
      .nth(planned - 1)
      .waitFor();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}console-scenario.png`, fullPage: true });

    // a reload shows the latest run again
    await page.reload();
    await page.locator('#scenario-run-heading', { hasText: 'lead-journey to default: done' }).waitFor();
    await expect(summaryFact(page, 'deliveries').textContent()).resolves.toBe(`${planned} of ${planned}`);
    expect(errors).toEqual([]);
  });

  it('stops a playing run: nothing more starts, and the summary shows what was delivered', async () => {
    const target = await startTestReceiver();
    cleanups.push(() => target.close());
    const { base, page, errors } = await openConsole(target.url);
    // journeys 3 s apart at speed 10, their documents 2 s or more after lead.created: the run plays on
    await page.getByLabel('Leads').fill('3');
    await page.getByLabel('Speed').fill('10');
    await page.getByRole('button', { name: 'Start' }).click();
    await fact(page, 'settled').filter({ hasText: /^1$/ }).waitFor();
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.locator('#scenario-run-heading', { hasText: 'stopped' }).waitFor();
    await page.locator('#scenario-summary').waitFor();
    const [run] = await runs(base);
    expect(run?.status).toBe('stopped');
    await expect(summaryFact(page, 'deliveries').textContent()).resolves.toBe(
      `${run?.progress.settled} of ${run?.progress.planned}`,
    );
    expect(run?.progress.settled).toBeLessThan(run?.progress.planned ?? 0);
    await expect(page.locator('#scenario-stop').isHidden()).resolves.toBe(true);
    expect(target.requests).toHaveLength(run?.progress.started ?? -1);
    expect(errors).toEqual([]);
  });
});
