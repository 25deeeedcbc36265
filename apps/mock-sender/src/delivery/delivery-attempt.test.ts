import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RESPONSE_BODY_LIMIT_BYTES, sendAttempt } from './delivery-attempt.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

const request = (url: string, timeoutMs = 5000) => ({
  url,
  body: '{}',
  secret: undefined,
  secretHeader: 'x-webhook-secret',
  signatureId: undefined,
  timeoutMs,
});

describe('sendAttempt: response body', () => {
  it(`keeps the first ${RESPONSE_BODY_LIMIT_BYTES} bytes of a larger body`, async () => {
    const body = 'a'.repeat(RESPONSE_BODY_LIMIT_BYTES - 1) + 'bcdefgh'.repeat(2000);
    const url = await listen((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(500, { 'content-type': 'text/plain' }).end(body));
    });
    const outcome = await sendAttempt(request(url));
    expect(outcome.status).toBe(500);
    expect(outcome.responseBody).toHaveLength(RESPONSE_BODY_LIMIT_BYTES);
    expect(outcome.responseBody).toBe(body.slice(0, RESPONSE_BODY_LIMIT_BYTES));
  });

  it('stops reading at the cap, without waiting for a body that never ends', async () => {
    const url = await listen((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        // 8 KiB sent, then the response is held open
        res.write('x'.repeat(8192));
      });
    });
    const started = performance.now();
    const outcome = await sendAttempt(request(url, 3000));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(outcome).toMatchObject({ status: 200, error: null });
    expect(outcome.responseBody).toBe('x'.repeat(RESPONSE_BODY_LIMIT_BYTES));
  });
});
