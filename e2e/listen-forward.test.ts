import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFakeEvent } from '@omni-webhooks/schema/fixtures';
import { expect, test } from 'vitest';
import { ADMIN_TOKEN, startReceiver, WEBHOOK_PATH, waitFor } from './support/stack.js';
import { useServices } from './support/use-services.js';

// a deployed receiver that OmniAI reaches with a token in the URL (no secret), `omni-contract listen`
// forwarding its stream to a second receiver on the laptop, and both ends' rows compared

const cli = fileURLToPath(new URL('../packages/contract/dist/cli.js', import.meta.url));
const PATH_TOKEN = 'e2e_path_token_0123456789abcdefghijklmnopqrstuv';
const LOCAL_SECRET = 'e2e-local-secret-0123456789';
const services = useServices();

interface Row {
  id: string;
  type: string;
  status: string;
  payload: unknown;
}

async function rows(url: string): Promise<Row[]> {
  const response = await fetch(`${url}/events?limit=100&include=payload`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return ((await response.json()) as { events: Row[] }).events;
}

test('listen forwards a deployed receiver events to a local one across its restart: the same rows on both ends', async () => {
  const dir = await services.tempDir();
  const deployed = await services.track(
    startReceiver({
      dir: join(dir, 'deployed'),
      secret: '',
      env: { WEBHOOK_SECRET: '', WEBHOOK_PATH_TOKEN: PATH_TOKEN },
    }),
  );
  const local = await services.track(startReceiver({ dir: join(dir, 'local'), secret: LOCAL_SECRET }));
  const ready = join(dir, 'ready');
  const listen = spawn(
    process.execPath,
    [
      cli,
      'listen',
      '--url',
      deployed.url,
      '--forward-to',
      `${local.url}${WEBHOOK_PATH}`,
      '--exit-after',
      '3',
      '--ready-file',
      ready,
      '--json',
    ],
    {
      env: { PATH: process.env.PATH ?? '', ADMIN_TOKEN, WEBHOOK_SECRET: LOCAL_SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  listen.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  listen.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => listen.on('exit', resolve));
  try {
    await waitFor('listen subscribed', async () => (existsSync(ready) ? true : undefined), 20_000);
    // spacing and key order are the bytes the local end must get
    const bodies = ['lead.created', 'document.received', 'not.a.known.event'].map((type, seed) =>
      JSON.stringify(
        type === 'not.a.known.event'
          ? { event: type, x: 1 }
          : createFakeEvent(type as 'lead.created', undefined, { seed }),
        null,
        seed,
      ),
    );
    for (const [index, body] of bodies.entries()) {
      if (index === 1) {
        // the deployed receiver restarts: listen reconnects and resumes after the first event
        await waitFor(
          'first event forwarded',
          async () => (output.includes('"status":200') ? true : undefined),
          20_000,
        );
        await deployed.stop();
        await deployed.start();
      }
      const answer = await fetch(`${deployed.url}${WEBHOOK_PATH}/${PATH_TOKEN}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(answer.status).toBe(200);
    }
    expect(await exited).toBe(0);
    const lines = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.status)).toEqual([200, 200, 200]);
    expect(output).not.toContain(LOCAL_SECRET);
    expect(output).not.toContain(ADMIN_TOKEN);
    const [there, here] = [await rows(deployed.url), await rows(local.url)];
    const view = (list: Row[]) =>
      list.map(({ type, payload }) => ({ type, payload })).sort((a, b) => a.type.localeCompare(b.type));
    expect(here).toHaveLength(3);
    expect(view(here)).toEqual(view(there));
    // a token the deployed receiver does not take is refused
    const wrong = await fetch(`${deployed.url}${WEBHOOK_PATH}/${PATH_TOKEN.slice(0, -1)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bodies[0],
    });
    expect(wrong.status).toBe(401);
  } finally {
    listen.kill();
  }
}, 90_000);

test('pnpm start --path-token wires the sender to a token URL with no secret', async () => {
  const dir = await services.tempDir();
  const { freePort } = await import('./support/free-port.js');
  const script = fileURLToPath(new URL('./dev-stack.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', script, '--once', '--path-token', '--data-dir', dir],
    {
      env: { ...process.env, RECEIVER_PORT: String(await freePort()), SENDER_PORT: String(await freePort()) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(output).toContain('7 events of 7 types delivered and 7 stored.');
  expect(output).toMatch(/--url http:\/\/127\.0\.0\.1:\d+\/webhooks\/omniai\/[\w-]{43} /);
  expect(output).not.toContain('--secret');
  expect(code).toBe(0);
}, 60_000);
