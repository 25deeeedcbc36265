import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type StartedSender, startGuardedSender, TOKENS } from '../test-support/guarded-sender.js';
import { runOmniMock } from '../test-support/omni-mock-run.js';
import { startTestReceiver } from '../test-support/test-receiver.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function omniMock(env: Record<string, string>, ...args: string[]) {
  return runOmniMock(args, { env });
}

async function runningSender(): Promise<StartedSender> {
  const started = await startGuardedSender();
  cleanups.push(() => started.sender.close());
  const target = await startTestReceiver();
  cleanups.push(() => target.close());
  started.sender.endpoints.add({ url: target.url }, Date.now());
  return started;
}

describe('omni-mock commands that drive a running sender', () => {
  it('trigger sends --token, or the SENDER_API_TOKEN variable, and lists the deliveries', async () => {
    const { base, sender } = await runningSender();
    const withFlag = await omniMock(
      {},
      'trigger',
      'lead.created',
      '--sender',
      base,
      '--token',
      TOKENS[1],
      '--count',
      '2',
    );
    expect(withFlag).toMatchObject({ code: 0, stderr: '' });
    expect(withFlag.stdout.trim().split('\n')).toHaveLength(2);
    expect(withFlag.stdout).toMatch(/^dlv_\S+ {2}pending {2}http:\/\/127\.0\.0\.1:\d+/);
    const fromEnv = await omniMock(
      { SENDER_API_TOKEN: TOKENS[0] },
      'trigger',
      'lead.created',
      '--sender',
      base,
    );
    expect(fromEnv).toMatchObject({ code: 0, stderr: '' });
    expect(sender.outbox.list({ limit: 10 }).deliveries).toHaveLength(3);
  });

  it('says what is missing when the sender refuses, and exits 1', async () => {
    const { base } = await runningSender();
    expect(await omniMock({}, 'trigger', 'lead.created', '--sender', base)).toMatchObject({
      code: 1,
      stderr: 'omni-mock: the sender needs a token: pass --token or set SENDER_API_TOKEN\n',
    });
    expect(
      await omniMock({}, 'trigger', 'lead.created', '--sender', base, '--token', 'wrong-token-0123456789'),
    ).toMatchObject({
      code: 1,
      stderr: 'omni-mock: the sender refused the token: it is not one of its SENDER_API_TOKEN values\n',
    });
    expect(await omniMock({}, 'trigger', 'lead.created', '--sender', 'not a url')).toMatchObject({ code: 2 });
  });

  it('redeliver creates a new delivery of the same bytes', async () => {
    const { base, sender } = await runningSender();
    const sent = await omniMock({ SENDER_API_TOKEN: TOKENS[0] }, 'trigger', 'lead.created', '--sender', base);
    const id = sent.stdout.split(' ')[0] ?? '';
    const again = await omniMock({ SENDER_API_TOKEN: TOKENS[0] }, 'redeliver', id, '--sender', base);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    const newId = again.stdout.split(' ')[0] ?? '';
    expect(sender.outbox.get(newId)).toMatchObject({ redeliveryOf: id });
    expect(
      await omniMock({ SENDER_API_TOKEN: TOKENS[0] }, 'redeliver', 'dlv_nope', '--sender', base),
    ).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('404 not_found'),
    });
  });

  it('serve --token becomes SENDER_API_TOKEN of the service', async () => {
    const { served } = await omniMock({}, 'serve', '--token', TOKENS[0]);
    expect(served?.SENDER_API_TOKEN).toBe(TOKENS[0]);
  });

  it('documents --token in --help', async () => {
    for (const command of ['trigger', 'redeliver', 'serve']) {
      const help = await omniMock({}, command, '--help');
      expect(help.stdout, command).toContain('--token <token>');
      expect(help.stdout, command).toContain('SENDER_API_TOKEN');
    }
  });
});

describe('omni-mock trigger and redeliver against a hostile server', () => {
  // a server posing as the sender: redirects elsewhere (with the token), or answers without end
  async function hostile(): Promise<{ base: string; followed: () => number }> {
    let followed = 0;
    const server = createServer((request, response) => {
      if (request.url?.startsWith('/elsewhere')) {
        followed += 1;
        response.end('{}');
      } else if (request.url?.startsWith('/events')) {
        response.writeHead(308, { location: '/elsewhere/events' });
        response.end();
      } else {
        response.writeHead(200, { 'content-type': 'application/json' });
        const timer = setInterval(() => response.write('x'.repeat(64 * 1024)), 1);
        response.on('close', () => clearInterval(timer));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, followed: () => followed };
  }

  it('follows no redirect, and says so', async () => {
    const { base, followed } = await hostile();
    const run = await omniMock({ SENDER_API_TOKEN: TOKENS[0] }, 'trigger', 'lead.created', '--sender', base);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/answered 308 to \/elsewhere\/events: redirects are not followed/);
    expect(followed()).toBe(0);
  });

  it('stops reading an endless answer at the bound, and says so', async () => {
    const { base } = await hostile();
    const run = await omniMock({ SENDER_API_TOKEN: TOKENS[0] }, 'redeliver', 'dlv_x', '--sender', base);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/answered more than 16777216 bytes: not read further/);
  });
});
