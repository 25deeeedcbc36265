import { connect } from 'node:net';

export interface RawExchange {
  /** the status of the answer, undefined when the connection closed without one */
  status: number | undefined;
  response: string;
  /** ms from the first byte written until the server closed the connection */
  closedAfterMs: number;
}

/**
 * writes `head` at once, then each of `trickle` `everyMs` apart (then half-closes with
 * `endAfterTrickle`), and reads until the server closes the connection; fails after `giveUpMs`
 */
export async function rawRequest(
  url: string,
  head: string,
  options: {
    trickle?: readonly string[];
    everyMs?: number;
    giveUpMs?: number;
    endAfterTrickle?: boolean;
  } = {},
): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const started = Date.now();
  let response = '';
  let timer: NodeJS.Timeout | undefined;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    response += chunk;
  });
  const closed = new Promise<void>((resolve, reject) => {
    socket.on('error', () => undefined);
    socket.once('close', () => resolve());
    setTimeout(
      () => reject(new Error(`connection still open after ${options.giveUpMs ?? 5000} ms`)),
      options.giveUpMs ?? 5000,
    ).unref();
  });
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(head);
  const pieces = [...(options.trickle ?? [])];
  const drip = () => {
    const piece = pieces.shift();
    if (socket.destroyed) return;
    if (piece === undefined) {
      // the client stops writing for good (half-close), or just goes quiet
      if (options.endAfterTrickle) socket.end();
      return;
    }
    socket.write(piece);
    timer = setTimeout(drip, options.everyMs ?? 100);
  };
  timer = setTimeout(drip, options.everyMs ?? 100);
  try {
    await closed;
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
  const match = /^HTTP\/1\.1 (\d{3})/.exec(response);
  return { status: match ? Number(match[1]) : undefined, response, closedAfterMs: Date.now() - started };
}
