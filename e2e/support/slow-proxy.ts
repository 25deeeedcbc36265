import { createServer, request as forward, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** forwards requests to `target`, holding the n-th one `delays[n]` ms first (0 past the list) */
export class SlowProxy {
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(options: { target: string; delays: number[] }): Promise<SlowProxy> {
    const target = new URL(options.target);
    let seen = 0;
    const server = createServer((incoming, outgoing) => {
      const delay = options.delays[seen++] ?? 0;
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        setTimeout(() => {
          const upstream = forward(
            {
              host: target.hostname,
              port: target.port,
              method: incoming.method,
              path: incoming.url,
              headers: incoming.headers,
            },
            (response) => {
              // the client may have given up already; the upstream request still completes
              if (!outgoing.destroyed) {
                outgoing.writeHead(response.statusCode ?? 502, response.headers);
              }
              response.pipe(outgoing);
            },
          );
          upstream.on('error', () => outgoing.destroy());
          upstream.end(Buffer.concat(chunks));
        }, delay);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new SlowProxy(server, `http://127.0.0.1:${port}`);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
