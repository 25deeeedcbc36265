import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { verifyWebhookSignature } from '@omni-webhooks/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';
import { CliInputError } from './delivery-command.js';
import { runSend } from './send-command.js';

const SIGNING_KEY = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
let receiver: TestReceiver | undefined;
const files: string[] = [];

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  for (const file of files.splice(0)) await rm(file, { force: true });
});

async function send(options: Omit<Parameters<typeof runSend>[0], 'url'> & { url?: string }) {
  const out = new PassThrough();
  let printed = '';
  out.on('data', (chunk: Buffer) => {
    printed += chunk.toString();
  });
  const delivered = await runSend({ url: receiver?.url ?? '', timeScale: 0.0005, ...options }, out);
  return { delivered, lines: printed.trim().split('\n') };
}

describe('omni-mock send', () => {
  it('prints each attempt and reports failure after exactly 4 attempts', async () => {
    receiver = await startTestReceiver(() => 500);
    const { delivered, lines } = await send({ eventType: 'action_log.failed', secret: 's' });
    expect(delivered).toBe(false);
    expect(receiver.requests).toHaveLength(4);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^attempt 1\/4 {2}HTTP 500 {2}\d+ ms {2}next attempt in 30 ms$/),
      expect.stringMatching(/^attempt 2\/4 {2}HTTP 500 {2}\d+ ms {2}next attempt in 60 ms$/),
      expect.stringMatching(/^attempt 3\/4 {2}HTTP 500 {2}\d+ ms {2}next attempt in 120 ms$/),
      expect.stringMatching(/^attempt 4\/4 {2}HTTP 500 {2}\d+ ms {2}failed: no attempts left$/),
      'failed: 1 of 1 not delivered after 4 attempts',
    ]);
    expect(receiver.requests.every((request) => request.headers['x-webhook-secret'] === 's')).toBe(true);
  });

  it('reports success, sends a payload file as is and signs on request', async () => {
    receiver = await startTestReceiver();
    const file = join(tmpdir(), `omni-mock-payload-${process.pid}.json`);
    files.push(file);
    const payload = { event: 'lead.created', data: { unexpected: true } };
    await writeFile(file, JSON.stringify(payload));
    const { delivered, lines } = await send({
      eventType: 'lead.created',
      payloadFile: file,
      allowInvalid: true,
      secret: 'header-secret',
      signingKey: SIGNING_KEY,
      header: 'x-omni-secret',
      count: 2,
    });
    expect(delivered).toBe(true);
    expect(lines.at(-1)).toBe('delivered 2/2');
    expect(receiver.requests.map((request) => request.body)).toEqual([
      JSON.stringify(payload),
      JSON.stringify(payload),
    ]);
    const [first] = receiver.requests;
    expect(first?.headers['x-omni-secret']).toBe('header-secret');
    const verify = (secrets: string[]) =>
      verifyWebhookSignature({ headers: first?.headers ?? {}, body: first?.body ?? '', secrets });
    // signed with the key, which never travels; the secret seen in the header cannot sign
    expect(verify([SIGNING_KEY])).toMatchObject({ ok: true });
    expect(verify(['header-secret'])).toMatchObject({ ok: false, code: 'invalid_signature' });
    expect(JSON.stringify(receiver.requests)).not.toContain(SIGNING_KEY);
  });

  it('still signs with a whsec_ secret for one release, with a warning', async () => {
    receiver = await startTestReceiver();
    const { delivered, lines } = await send({ eventType: 'lead.created', secret: SIGNING_KEY, sign: true });
    expect(delivered).toBe(true);
    expect(lines[0]).toMatch(/^warning: signing with the whsec_ --secret/);
    const [first] = receiver.requests;
    expect(
      verifyWebhookSignature({
        headers: first?.headers ?? {},
        body: first?.body ?? '',
        secrets: [SIGNING_KEY],
      }),
    ).toMatchObject({ ok: true });
  });

  it('refuses a bad header name or url before sending anything', async () => {
    receiver = await startTestReceiver();
    await expect(send({ eventType: 'lead.created', header: 'bad header', secret: 's' })).rejects.toThrow(
      /--header "bad header" must be an HTTP header name/,
    );
    await expect(send({ eventType: 'lead.created', url: 'ftp://127.0.0.1/x' })).rejects.toThrow(
      CliInputError,
    );
    expect(receiver.requests).toEqual([]);
  });

  it('refuses input it cannot send, naming what is wrong', async () => {
    await expect(send({ eventType: 'lead.exploded', url: 'http://127.0.0.1:9/' })).rejects.toThrow(
      CliInputError,
    );
    await expect(
      send({ eventType: 'lead.created', url: 'http://127.0.0.1:9/', payloadFile: '/nonexistent.json' }),
    ).rejects.toThrow(/cannot read --payload/);
  });
});
