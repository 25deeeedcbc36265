import { connect, type Socket } from 'node:net';
import { SERVER_BOUND_VARIABLES } from '@omni-webhooks/contract';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../config.js';
import { useSenderApi } from '../test-support/sender-api.js';

const api = useSenderApi();

/** a raw connection; `answer` resolves with what the server sent once it closed the connection */
async function open(base: string): Promise<{ socket: Socket; closed: Promise<string> }> {
  const { port } = new URL(base);
  const socket = connect(Number(port), '127.0.0.1');
  socket.on('error', () => undefined);
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  await new Promise((resolve) => socket.once('connect', resolve));
  return { socket, closed };
}

describe('the sender bounds its server as the receiver does', () => {
  it('closes a connection that trickles header lines, while it still trickles', async () => {
    const { base } = await api.sender({ HEADERS_TIMEOUT_MS: '300', REQUEST_TIMEOUT_MS: '300' });
    const { socket, closed } = await open(base);
    let linesSent = 0;
    let closedAfter: number | undefined;
    void closed.then(() => {
      closedAfter = linesSent;
    });
    socket.write('GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n');
    // up to 200 lines, one each 50 ms (10 s): node's default would keep it for 60 s
    while (closedAfter === undefined && linesSent < 200) {
      socket.write(`x-trickle-${linesSent}: 1\r\n`);
      linesSent += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(closedAfter, 'closed before the client stopped trickling').toBeDefined();
    expect(closedAfter).toBeLessThan(200);
    expect(await closed).toMatch(/^HTTP\/1\.1 408/);
    // the server still answers
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('answers 408 to a body that does not arrive within REQUEST_TIMEOUT_MS', async () => {
    const { base } = await api.sender({ HEADERS_TIMEOUT_MS: '300', REQUEST_TIMEOUT_MS: '300' });
    const { socket, closed } = await open(base);
    socket.write(
      'POST /events HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"ev',
    );
    expect(await closed).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes connections past MAX_CONNECTIONS at once, and serves again when one ends', async () => {
    const { base } = await api.sender({ MAX_CONNECTIONS: '2' });
    const held = [await open(base), await open(base)];
    // the third is closed unanswered
    const surplus = await open(base);
    surplus.socket.write('GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
    expect(await surplus.closed).toBe('');
    for (const { socket } of held) socket.destroy();
    await Promise.all(held.map(({ closed }) => closed));
    await expect.poll(async () => (await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('reads the three bounds from the table the receiver uses, and refuses headers past the request', () => {
    for (const name of ['HEADERS_TIMEOUT_MS', 'REQUEST_TIMEOUT_MS', 'MAX_CONNECTIONS'] as const) {
      expect(CONFIG_VARIABLES[name].default, name).toBe(String(SERVER_BOUND_VARIABLES[name].default));
    }
    expect(loadConfig({}).server).toEqual({
      headersTimeoutMs: 6000,
      requestTimeoutMs: 6000,
      maxConnections: 1024,
    });
    expect(() => loadConfig({ HEADERS_TIMEOUT_MS: '7000', REQUEST_TIMEOUT_MS: '6000' })).toThrow(
      new ConfigError('HEADERS_TIMEOUT_MS', 'must not exceed REQUEST_TIMEOUT_MS'),
    );
    expect(() => loadConfig({ MAX_CONNECTIONS: '0' })).toThrow(ConfigError);
  });
});
