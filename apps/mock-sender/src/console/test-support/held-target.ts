import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HeldRequest {
  body: string;
  respond(status: number, body: string): void;
  /** drops the connection without an answer */
  reset(): void;
}

export interface HeldTarget {
  url: string;
  /** how many requests arrived so far */
  readonly received: number;
  /** the next request, held until the test answers it */
  next(timeoutMs?: number): Promise<HeldRequest>;
  close(): Promise<void>;
}

/** a receiver on 127.0.0.1:0 that answers only when the test says so: attempts advance in lockstep */
export async function startHeldTarget(): Promise<HeldTarget> {
  const arrived: HeldRequest[] = [];
  const waiting: ((request: HeldRequest) => void)[] = [];
  let received = 0;
  const hold = (req: IncomingMessage, res: ServerResponse, body: string) => {
    received++;
    const held: HeldRequest = {
      body,
      respond: (status, text) => res.writeHead(status, { 'content-type': 'text/plain' }).end(text),
      reset: () => req.socket.destroy(),
    };
    const taker = waiting.shift();
    if (taker) taker(held);
    else arrived.push(held);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => hold(req, res, Buffer.concat(chunks).toString()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    get received() {
      return received;
    },
    next(timeoutMs = 10_000) {
      const ready = arrived.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const take = (request: HeldRequest) => {
          clearTimeout(timer);
          resolve(request);
        };
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(take), 1);
          reject(new Error(`no request within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.push(take);
      });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
