import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';
import { createCli, INPUT_ERROR_EXIT_CODE } from './cli-program.js';

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

let receiver: TestReceiver | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** runs omni-mock with these arguments; resolves with the exit code and what it printed */
async function omniMock(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  let code = 0;
  const cli = createCli({
    stdout,
    stderr,
    exit: (exitCode) => {
      throw new Exit(exitCode);
    },
    setExitCode: (exitCode) => {
      code = exitCode;
    },
    serve: () => Promise.reject(new Error('serve is not run here')),
    env: {},
  });
  try {
    await cli.parseAsync(args, { from: 'user' });
  } catch (error) {
    if (!(error instanceof Exit)) throw error;
    code = error.code;
  }
  return { code, stdout: out, stderr: err };
}

describe('omni-mock: bad input exits 2 at once, naming what is wrong, and sends nothing', () => {
  it.each([
    [['--header', 'bad header'], /--header.*must be an HTTP header name/],
    [['--header', ''], /--header.*must be an HTTP header name/],
    [['--secret', ''], /--secret.*must not be empty/],
    [['--time-scale', 'abc'], /--time-scale.*must be a number above 0/],
    [['--time-scale', '0'], /--time-scale.*'0' is invalid/],
    [['--time-scale', '1e9'], /--time-scale.*'1e9' is invalid/],
    [['--time-scale', ''], /--time-scale.*must be a number above 0/],
    [['--count', '0'], /--count.*must be from 1 to 10000/],
    [['--count', '1.5'], /--count.*must be a whole number/],
    [['--count', '10001'], /--count.*must be from 1 to 10000/],
    [['--count', '0x10'], /--count.*must be a whole number/],
    [['--timeout', '-1'], /--timeout.*must be a whole number/],
    [['--concurrency', 'many'], /--concurrency.*must be a whole number/],
    [['--success', '201'], /--success.*'201' is invalid/],
    [['--payload', '/nonexistent/payload.json'], /cannot read --payload \/nonexistent\/payload\.json/],
    [['--sign'], /--sign needs --signing-key/],
    [['--sign', '--secret', 'plain-secret'], /--sign needs --signing-key/],
    [['--signing-key', 'plain-secret'], /--signing-key.*a signing key starts with whsec_/],
  ])('send %j', async (extra, message) => {
    receiver = await startTestReceiver();
    const { code, stderr } = await omniMock('send', 'lead.created', '--url', receiver.url, ...extra);
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
