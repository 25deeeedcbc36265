import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { PROBE_BODY_LIMIT_BYTES, probe } from './probe.js';
import { verifyReceiver } from './verify-receiver.js';

const secret = 'contract-test-secret';
const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('redirects', () => {
  test.each([307, 302])(
    'a %i is a failed check and the secret never reaches where it points',
    async (code) => {
      const received: IncomingMessage['headers'][] = [];
      const elsewhere = await listen((request, response) => {
        received.push(request.headers);
        request.resume();
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
      const url = await listen((request, response) => {
        request.resume();
        response.writeHead(code, { location: `${elsewhere}/webhooks/omniai` }).end();
      });
      const report = await verifyReceiver(
        { url: `${url}/webhooks/omniai`, secret, sign: true, timeoutMs: 2000 },
        { traffic: { payloads: 5, redeliveryPauseMs: 10 } },
      );
      expect(received).toEqual([]);
      expect(report.passed).toBe(0);
      // with a secret, the unsigned-delivery check is skipped, and the sustained load is off
      expect(report.skipped).toBe(2);
      expect(report.failed).toBe(report.results.length - 2);
      for (const result of report.results.filter((each) => each.status !== 'skip')) {
        expect(result).toMatchObject({ status: 'fail', httpStatus: code });
        expect(result.reason).toContain(`a redirect to ${elsewhere}/webhooks/omniai`);
      }
    },
  );
});

describe('response bodies', () => {
  test('reads at most 64 KiB of a body that never ends, then lets go of it', async () => {
    let written = 0;
    let closed = false;
    const url = await listen((request, response) => {
      request.resume();
      response.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const pump = () => {
        while (!closed && response.write(chunk)) written += chunk.length;
        if (!closed) response.once('drain', pump);
      };
      response.on('close', () => {
        closed = true;
      });
      pump();
    });
    // far longer than the test may run: only stopping at the bound lets it finish
    const answer = await probe({ url, body: '{}', headers: {}, timeoutMs: 60_000 });
    expect(answer.status).toBe(200);
    await expect.poll(() => closed).toBe(true);
    // what the server wrote before it saw the close: the bound plus loopback socket buffers (a few MB)
    expect(written).toBeLessThan(PROBE_BODY_LIMIT_BYTES + 32 * 1024 * 1024);
  });

  test('a slow body that never ends is bounded by the timeout', async () => {
    const url = await listen((request, response) => {
      request.resume();
      response.writeHead(200);
      const timer = setInterval(() => response.write('x'), 20);
      response.on('close', () => clearInterval(timer));
    });
    const started = performance.now();
    const answer = await probe({ url, body: '{}', headers: {}, timeoutMs: 300 });
    expect(answer.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
