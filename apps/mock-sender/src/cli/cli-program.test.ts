import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyWebhookSignature } from '@omni-webhooks/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { runOmniMock } from '../test-support/omni-mock-run.js';
import { type ReceivedRequest, startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';
import { type CliIo, INPUT_ERROR_EXIT_CODE } from './cli-io.js';

let receiver: TestReceiver | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** a capture file of one event for replay */
function capture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'omni-mock-cli-'));
  dirs.push(dir);
  const file = join(dir, 'captured.jsonl');
  writeFileSync(file, '{"event":"lead.created","data":{"leadId":"l1"}}\n');
  return file;
}

/** runs omni-mock with these arguments; resolves with the exit code and what it printed */
function omniMock(...args: string[]) {
  return omniMockIn({}, args);
}

function omniMockIn(env: CliIo['env'], args: string[]) {
  return runOmniMock(args, { env });
}

describe('omni-mock: bad input exits 2 at once, naming what is wrong, and sends nothing', () => {
  // the delivery options, the same for send and replay
  const deliveryCases: [string[], RegExp][] = [
    [['--header', 'bad header'], /--header.*must be an HTTP header name/],
    [['--header', ''], /--header.*must be an HTTP header name/],
    [['--header', 'Host'], /--header.*"host" is a request-framing, hop-by-hop, routing or sender-set header/],
    [['--secret', ''], /--secret.*must not be empty/],
    [['--time-scale', 'abc'], /--time-scale.*must be a number above 0/],
    [['--time-scale', '0'], /--time-scale.*'0' is invalid/],
    [['--time-scale', '1e9'], /--time-scale.*'1e9' is invalid/],
    [['--time-scale', ''], /--time-scale.*must be a number above 0/],
    [['--timeout', '-1'], /--timeout.*must be a whole number/],
    [['--concurrency', 'many'], /--concurrency.*must be a whole number/],
    [['--success', '201'], /--success.*'201' is invalid/],
    [['--sign'], /--sign needs --signing-key/],
    [['--sign', '--secret', 'plain-secret'], /--sign needs --signing-key/],
    [['--signing-key', 'plain-secret'], /--signing-key.*a signing key starts with whsec_/],
  ];

  it.each([
    ...deliveryCases,
    [['--count', '0'], /--count.*must be from 1 to 10000/],
    [['--count', '1.5'], /--count.*must be a whole number/],
    [['--count', '10001'], /--count.*must be from 1 to 10000/],
    [['--count', '0x10'], /--count.*must be a whole number/],
    [['--payload', '/nonexistent/payload.json'], /cannot read --payload \/nonexistent\/payload\.json/],
  ])('send %j', async (extra, message) => {
    receiver = await startTestReceiver();
    const { code, stderr } = await omniMock('send', 'lead.created', '--url', receiver.url, ...extra);
    expect(code).toBe(INPUT_ERROR_EXIT_CODE);
    expect(stderr).toMatch(message);
    expect(receiver.requests).toEqual([]);
  });

  it.each(deliveryCases)('replay %j', async (extra, message) => {
    receiver = await startTestReceiver();
    const { code, stderr } = await omniMock('replay', capture(), '--url', receiver.url, ...extra);
    expect(code).toBe(INPUT_ERROR_EXIT_CODE);
    expect(stderr).toMatch(message);
    expect(receiver.requests).toEqual([]);
  });

  it('refuses a bad url, an unknown event type and a payload file that is not a JSON object', async () => {
    for (const url of ['ftp://127.0.0.1/x', 'not a url', '127.0.0.1:3000']) {
      const { code, stderr } = await omniMock('send', 'lead.created', '--url', url);
      expect(code, url).toBe(INPUT_ERROR_EXIT_CODE);
      expect(stderr, url).toMatch(/--url.*must be an absolute http\(s\) URL/);
    }
    receiver = await startTestReceiver();
    const unknown = await omniMock('send', 'lead.exploded', '--url', receiver.url);
    expect(unknown).toMatchObject({
      code: INPUT_ERROR_EXIT_CODE,
      stderr: expect.stringMatching(/lead\.exploded/),
    });
    const dir = mkdtempSync(join(tmpdir(), 'omni-mock-cli-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'list.json'), '[1, 2]');
    writeFileSync(join(dir, 'broken.json'), '{ "event": ');
    for (const [file, message] of [
      ['list.json', /must hold a JSON object/],
      ['broken.json', /is not valid JSON/],
      ['', /cannot read --payload/],
    ] as const) {
      const { code, stderr } = await omniMock(
        'send',
        'lead.created',
        '--url',
        receiver.url,
        '--payload',
        join(dir, file),
      );
      expect(code, file).toBe(INPUT_ERROR_EXIT_CODE);
      expect(stderr, file).toMatch(message);
    }
    expect(receiver.requests).toEqual([]);
  });

  it('refuses bad serve options before starting anything', async () => {
    for (const [option, value] of [
      ['--port', '70000'],
      ['--port', 'http'],
      ['--target-url', 'localhost:3000'],
      ['--host', ''],
    ]) {
      const { code, stderr } = await omniMock('serve', option ?? '', value ?? '');
      expect(code, `${option} ${value}`).toBe(INPUT_ERROR_EXIT_CODE);
      expect(stderr).toContain(option);
    }
  });

  it('delivers and exits 0 with good input, 1 when the delivery fails', async () => {
    receiver = await startTestReceiver((n) => (n === 1 ? 200 : 500));
    const ok = await omniMock(
      'send',
      'lead.created',
      '--url',
      receiver.url,
      '--header',
      'x-omni-secret',
      '--secret',
      's',
    );
    expect(ok).toMatchObject({ code: 0, stdout: expect.stringContaining('delivered 1/1') });
    expect(receiver.requests[0]?.headers['x-omni-secret']).toBe('s');
    const failed = await omniMock('send', 'lead.created', '--url', receiver.url, '--time-scale', '0.0001');
    expect(failed.code).toBe(1);
    expect(receiver.requests).toHaveLength(5);
  });
});

describe.each([
  ['send', () => ['send', 'lead.created']],
  ['replay', () => ['replay', capture()]],
])('omni-mock %s signs with the signing key, never with the secret sent in clear', (_, command) => {
  const SIGNING_KEY = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const verify = (request: ReceivedRequest | undefined, secrets: string[]) =>
    verifyWebhookSignature({ headers: request?.headers ?? {}, body: request?.body ?? '', secrets });

  it('with --signing-key or WEBHOOK_SIGNING_KEY and --sign', async () => {
    receiver = await startTestReceiver();
    const target = ['--url', receiver.url, '--secret', 'header-secret'];
    const flag = await omniMock(...command(), ...target, '--signing-key', SIGNING_KEY);
    const env = await omniMockIn({ WEBHOOK_SIGNING_KEY: SIGNING_KEY }, [...command(), ...target, '--sign']);
    expect([flag.code, env.code]).toEqual([0, 0]);
    expect(receiver.requests).toHaveLength(2);
    for (const request of receiver.requests) {
      expect(request.headers['x-webhook-secret']).toBe('header-secret');
      expect(verify(request, [SIGNING_KEY])).toMatchObject({ ok: true });
      expect(verify(request, ['header-secret'])).toMatchObject({ ok: false, code: 'invalid_signature' });
    }
    expect(JSON.stringify(receiver.requests)).not.toContain(SIGNING_KEY);
  });

  it('refuses a bad WEBHOOK_SIGNING_KEY, naming it, and sends nothing', async () => {
    receiver = await startTestReceiver();
    const { code, stderr } = await omniMockIn({ WEBHOOK_SIGNING_KEY: 'plain-secret' }, [
      ...command(),
      '--url',
      receiver.url,
      '--sign',
    ]);
    expect(code).toBe(INPUT_ERROR_EXIT_CODE);
    expect(stderr).toMatch(/WEBHOOK_SIGNING_KEY: a signing key starts with whsec_/);
    expect(receiver.requests).toEqual([]);
  });

  it('still signs with a whsec_ --secret for one release, with a warning', async () => {
    receiver = await startTestReceiver();
    const { code, stdout } = await omniMock(
      ...command(),
      '--url',
      receiver.url,
      '--secret',
      SIGNING_KEY,
      '--sign',
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/^warning: signing with the whsec_ --secret, which is also sent in clear/);
    expect(verify(receiver.requests[0], [SIGNING_KEY])).toMatchObject({ ok: true });
  });
});
