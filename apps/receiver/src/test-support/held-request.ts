import { connect, type Socket } from 'node:net';

/**
 * an authenticated delivery whose body never ends, held by the server: resolves once the server's
 * 100 Continue says it has the request (no sleep), with the first bytes of the body sent
 */
export async function holdDelivery(port: number, secret: string): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  const held = new Promise((resolve) =>
    socket.on('data', (chunk: Buffer) => chunk.toString('latin1').includes('100 Continue') && resolve(true)),
  );
  socket.write(
    'POST /webhooks/omniai HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n' +
      `x-webhook-secret: ${secret}\r\nexpect: 100-continue\r\ncontent-length: 100\r\n\r\n`,
  );
  await held;
  socket.write('{"event":');
  return socket;
}
