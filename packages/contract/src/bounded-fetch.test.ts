import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoundedFetchError, fetchBounded } from './bounded-fetch.js';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/stalled') {
      // headers, a first chunk, then nothing
      response.write('{"partial":');
      return;
    }
    if (request.url === '/exact') {
      response.end('x'.repeat(1024));
      return;
    }
    if (request.url === '/moved') {
      response.writeHead(307, { location: '/elsewhere' });
      response.end();
      return;
    }
    response.end(JSON.stringify({ method: request.method, auth: request.headers.authorization ?? null }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
});

const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(BoundedFetchError);
  return error as BoundedFetchError;
};

describe('fetchBounded', () => {
  it('answers the status and text of a bounded answer', async () => {
    const answer = await fetchBounded(`${base}/echo`, {
      method: 'POST',
      headers: { authorization: 'Bearer t' },
      body: '{}',
      timeoutMs: 5000,
      maxBytes: 1024,
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ method: 'POST', auth: 'Bearer t' });
    // exactly at the bound is whole
    expect((await fetchBounded(`${base}/exact`, { timeoutMs: 5000, maxBytes: 1024 })).text).toHaveLength(
      1024,
    );
  });

  it('fails naming each cause: too large, redirect, timeout, network', async () => {
    const big = await failure(fetchBounded(`${base}/exact`, { timeoutMs: 5000, maxBytes: 1023 }));
    expect([big.reason, big.message]).toEqual([
      'too_large',
      `${base}/exact answered more than 1023 bytes: not read further`,
    ]);
    const moved = await failure(fetchBounded(`${base}/moved`, { timeoutMs: 5000, maxBytes: 1024 }));
    expect(moved.reason).toBe('redirect');
    expect(moved.message).toContain('answered 307 to /elsewhere: redirects are not followed');
    const stalled = await failure(fetchBounded(`${base}/stalled`, { timeoutMs: 300, maxBytes: 1024 }));
    expect([stalled.reason, stalled.message]).toEqual([
      'timeout',
      `${base}/stalled did not finish its answer within 300 ms`,
    ]);
    const closed = new URL(base);
    closed.port = '1';
    const unreachable = await failure(fetchBounded(closed, { timeoutMs: 5000, maxBytes: 1024 }));
    expect(unreachable.reason).toBe('network');
    expect(unreachable.message).toMatch(/cannot be reached/);
  });
});
