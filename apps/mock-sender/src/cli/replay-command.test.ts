import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { verifyWebhookSignature } from '@omni-webhooks/contract';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';
import { createCli } from './cli-program.js';
import { CliInputError } from './delivery-command.js';
import { runReplay } from './replay-command.js';

const dir = mkdtempSync(join(tmpdir(), 'omni-replay-'));
let receiver: TestReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function replay(options: Omit<Parameters<typeof runReplay>[0], 'url'>) {
  const out = new PassThrough();
  let printed = '';
  out.on('data', (chunk: Buffer) => {
    printed += chunk.toString();
  });
  const delivered = await runReplay({ url: receiver?.url ?? '', timeScale: 0.0005, ...options }, out);
  return { delivered, lines: printed.trim().split('\n') };
}

// bodies as a receiver stored them: odd spacing, key order, escapes and non-ascii text, kept as sent
const bodies = [
  '{"event":"lead.created","data":{"leadId":"l1"}}',
  '{ "data" : { "leadId": "l2", "firstName": "Zoë \\u00e9 😀" },\n\t"event": "lead.created" }\n',
  '{"event":"lead.archived","data":{"leadId":"l3","note":"\\"quoted\\""}}',
];
const exportLines = bodies
  .map((body, n) =>
    JSON.stringify({ id: `e${n}`, type: JSON.parse(body).event, receivedAt: 'x', dedupeKey: 'k', body }),
  )
  .join('\n');

describe('omni-mock replay', () => {
  it('delivers each exported body byte for byte, in order, with the secret, and prints a summary', async () => {
    receiver = await startTestReceiver();
    const { delivered, lines } = await replay({
      file: file('export.jsonl', `${exportLines}\n`),
      secret: 's3cret',
    });
    expect(delivered).toBe(true);
    expect(receiver.requests.map((request) => request.body)).toEqual(bodies);
    expect(receiver.requests.every((request) => request.headers['x-webhook-secret'] === 's3cret')).toBe(true);
    expect(receiver.requests.every((request) => request.headers['content-type'] === 'application/json')).toBe(
      true,
    );
    expect(lines[0]).toMatch(/^replaying 3 event\(s\) from .*export\.jsonl to http/);
    expect(lines.slice(1, 4)).toEqual([
      '[1/3] lead.created  delivered',
      '[2/3] lead.created  delivered',
      '[3/3] lead.archived  delivered',
    ]);
    expect(lines.at(-1)).toBe('replayed 3: 3 delivered');
  });

  it('sends a file of plain event lines as the lines themselves, signed on request', async () => {
    receiver = await startTestReceiver();
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const plain = [
      '{"event":"lead.created","data":{"leadId":"a"}}',
      '{"event": "lead.created", "data": {"leadId": "b"}}',
    ];
    const { delivered } = await replay({
      file: file('plain.jsonl', `${plain.join('\r\n')}\r\n`),
      secret,
      sign: true,
    });
    expect(delivered).toBe(true);
    expect(receiver.requests.map((request) => request.body)).toEqual(plain);
    for (const request of receiver.requests) {
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
      );
      expect(verifyWebhookSignature({ headers, body: request.body, secrets: [secret] })).toMatchObject({
        ok: true,
      });
    }
  });

  it('signs with --signing-key, a key the secret header never carries', async () => {
    receiver = await startTestReceiver();
    const signingKey = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const { delivered, lines } = await replay({
      file: file('keyed.jsonl', `${exportLines}\n`),
      secret: 'header-secret',
      signingKey,
    });
    expect(delivered).toBe(true);
    expect(lines[0]).toMatch(/^replaying 3 event\(s\)/);
    expect(receiver.requests.map((request) => request.body)).toEqual(bodies);
    for (const request of receiver.requests) {
      const verify = (secrets: string[]) =>
        verifyWebhookSignature({ headers: request.headers, body: request.body, secrets });
      expect(request.headers['x-webhook-secret']).toBe('header-secret');
      expect(verify([signingKey])).toMatchObject({ ok: true });
      expect(verify(['header-secret'])).toMatchObject({ ok: false, code: 'invalid_signature' });
    }
  });

  it('retries as the contract says and reports what failed', async () => {
    receiver = await startTestReceiver((n) => (n === 1 ? 503 : 200));
    const { delivered, lines } = await replay({ file: file('one.jsonl', bodies[0] ?? '') });
    expect(delivered).toBe(true);
    expect(receiver.requests.map((request) => request.body)).toEqual([bodies[0], bodies[0]]);
    expect(lines).toContainEqual(
      expect.stringMatching(/^\[1\/1\] attempt 1\/4 {2}HTTP 503 {2}next attempt in 30 ms$/),
    );

    await receiver.close();
    receiver = await startTestReceiver(() => 500);
    const failing = await replay({ file: file('one-more.jsonl', bodies[0] ?? '') });
    expect(failing.delivered).toBe(false);
    expect(receiver.requests).toHaveLength(4);
    expect(failing.lines.at(-1)).toBe('replayed 1: 0 delivered, 1 failed after 4 attempts');
  });

  it('refuses bad input before sending anything', async () => {
    receiver = await startTestReceiver();
    const cases: [Parameters<typeof replay>[0], RegExp][] = [
      [{ file: join(dir, 'missing.jsonl') }, /cannot read/],
      [{ file: file('bad.jsonl', '{"event":"lead.created"}\nnope\n') }, /line 2 is not JSON/],
      [{ file: file('array.jsonl', '[1]\n') }, /line 1 is not a JSON object/],
      [{ file: file('empty.jsonl', '\n\n') }, /holds no events/],
      [{ file: file('ok.jsonl', bodies[0] ?? ''), header: 'bad header' }, /must be an HTTP header name/],
      [{ file: file('ok.jsonl', bodies[0] ?? ''), secret: 's', sign: true }, /--sign needs --signing-key/],
    ];
    for (const [options, message] of cases) {
      await expect(replay(options)).rejects.toThrow(message);
      await expect(replay(options)).rejects.toBeInstanceOf(CliInputError);
    }
    expect(receiver.requests).toEqual([]);
  });

  it('is a command of omni-mock, with --help, exiting 2 on bad input', async () => {
    let stdout = '';
    let stderr = '';
    const out = new PassThrough();
    const err = new PassThrough();
    out.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    err.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const cli = createCli({
      stdout: out,
      stderr: err,
      exit: (code) => {
        throw new Error(`exit ${code}`);
      },
      setExitCode: () => {},
      serve: async () => {},
      env: {},
    });
    await expect(cli.parseAsync(['replay', '--help'], { from: 'user' })).rejects.toThrow('exit 0');
    expect(stdout).toContain('Usage: omni-mock replay [options] <file.jsonl>');
    expect(stdout).toContain('--concurrency <n>');
    await expect(
      cli.parseAsync(['replay', join(dir, 'missing.jsonl'), '--url', 'http://127.0.0.1:1/x'], {
        from: 'user',
      }),
    ).rejects.toThrow('exit 2');
    expect(stderr).toContain('omni-mock: cannot read');
  });
});
