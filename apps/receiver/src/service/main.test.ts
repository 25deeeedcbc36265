// the built service as a child process (`pnpm test` builds dist first): start-up, bad config,
// graceful stop, and at-least-once processing across a SIGKILL
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFakeEvent } from '@omni-webhooks/schema/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteInboxStore } from '../store/sqlite/sqlite-inbox-store.js';
import { type ChildReceiver, spawnNode as spawnChild } from '../test-support/child-process.js';
import { holdDelivery } from '../test-support/held-request.js';

const dist = fileURLToPath(new URL('../../dist/service/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'receiver-main-'));
const children: ChildReceiver[] = [];
afterAll(() => {
  // a failed assertion must not leave a receiver running
  for (const run of children)
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function spawnNode(args: string[], env: Record<string, string>): ChildReceiver {
  const run = spawnChild(args, env);
  children.push(run);
  return run;
}
const secret = 'child-secret-0123456789';

describe('dist/service/main.js', () => {
  it('prints the variable it refuses and exits non-zero', async () => {
    const run = spawnNode([join(dist, 'main.js')], { WEBHOOK_SECRET: secret, PORT: 'http' });
    const { code } = await run.exited;
    expect(code).toBe(2);
    expect(run.stderr()).toMatch(/PORT: /);
    expect(run.stderr()).not.toContain(secret);
  });

  it('listens, logs each stored event as a line, and stops cleanly on SIGTERM', async () => {
    const run = spawnNode([join(dist, 'main.js')], {
      WEBHOOK_SECRET: secret,
      PORT: '0',
      DATABASE_URL: `file:${join(dir, 'main', 'inbox.sqlite')}`,
    });
    const line = await run.waitForLine(/listening on http:\/\/127\.0\.0\.1:\d+/);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
    const event = createFakeEvent('document.received');
    const response = await fetch(`${url}/webhooks/omniai`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-secret': secret },
      body: JSON.stringify(event),
    });
    expect(response.status).toBe(200);
    expect(await run.waitForLine(/"msg":"event stored"/)).toContain('"type":"document.received"');
    expect(await run.waitForLine(/handled document\.received/)).toContain(event.document.filename);
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
  }, 20_000);
});

describe('dist/service/main.js signals and help', () => {
  it('prints every variable for --help', async () => {
    const run = spawnNode([join(dist, 'main.js'), '--help'], {});
    const lines: string[] = [];
    run.child.stdout?.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
    expect((await run.exited).code).toBe(0);
    expect(lines.join('')).toMatch(/HANDLER_TIMEOUT_MS +an attempt running longer/);
  });

  it('finishes one shutdown when SIGINT is followed by SIGTERM, and exits 0', async () => {
    const run = spawnNode([join(dist, 'main.js')], {
      WEBHOOK_SECRET: secret,
      PORT: '0',
      SHUTDOWN_TIMEOUT_MS: '3000',
      DATABASE_URL: `file:${join(dir, 'signals', 'inbox.sqlite')}`,
    });
    const line = await run.waitForLine(/listening on http:\/\/127\.0\.0\.1:\d+/);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(line)?.[1]);
    // an authenticated request whose body never ends keeps server.close() waiting until the deadline
    const socket = await holdDelivery(port, secret);
    run.child.kill('SIGINT');
    await run.waitForLine(/"msg":"shutting down"/);
    run.child.kill('SIGTERM');
    expect(await run.waitForLine(/already shutting down/)).toContain('SIGTERM');
    expect((await run.exited).code).toBe(0);
    socket.destroy();
  }, 20_000);
});

describe('a receiver SIGKILLed while a handler runs', () => {
  // with the default 60 s lease: the restarted process releases the dead one's leases at once
  it('runs that handler again right after restart, and completes the event', async () => {
    const script = join(dir, 'hanging-receiver.mjs');
    writeFileSync(
      script,
      `import { loadConfig, startReceiver } from ${JSON.stringify(join(dist, '..', 'index.js'))};
const running = await startReceiver(loadConfig(process.env), {
  pollIntervalMs: 50,
  configure: (receiver) => receiver.onAny(async (event, context) => {
    process.stdout.write(JSON.stringify({ handling: context.id, attempt: context.attempt }) + '\\n');
    if (process.env.HANG === '1') await new Promise(() => {});
    process.stdout.write(JSON.stringify({ handled: context.id }) + '\\n');
  }),
});
process.on('SIGTERM', () => running.shutdown().then(() => process.exit(0)));
process.stdout.write(JSON.stringify({ url: running.url }) + '\\n');
`,
    );
    const env = {
      WEBHOOK_SECRET: secret,
      PORT: '0',
      LOG_LEVEL: 'silent',
      DATABASE_URL: `file:${join(dir, 'crash', 'inbox.sqlite')}`,
    };
    const first = spawnNode([script], { ...env, HANG: '1' });
    const { url } = JSON.parse(await first.waitForLine(/"url"/)) as { url: string };
    const response = await fetch(`${url}/webhooks/omniai`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-secret': secret },
      body: JSON.stringify(createFakeEvent('lead.created')),
    });
    const { id } = (await response.json()) as { id: string };
    expect(response.status).toBe(200);
    expect(JSON.parse(await first.waitForLine(/"handling"/))).toEqual({ handling: id, attempt: 1 });
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const second = spawnNode([script], { ...env, HANG: '0' });
    expect(JSON.parse(await second.waitForLine(/"handled"/))).toEqual({ handled: id });
    expect(JSON.parse(await second.waitForLine(/"handling"/))).toEqual({ handling: id, attempt: 2 });
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);

    const store = createSqliteInboxStore({ filename: join(dir, 'crash', 'inbox.sqlite') });
    await store.migrate();
    expect(await store.get(id)).toMatchObject({ status: 'processed', handlerAttempts: 2, deliveryCount: 1 });
    await store.close();
  }, 20_000);
});
