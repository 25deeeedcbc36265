import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  at: number;
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** a receiver stand-in that answers the n-th request with `statuses[n]` (the last one after that) */
export class ScriptedEndpoint {
  readonly requests: RecordedRequest[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(statuses: number[]): Promise<ScriptedEndpoint> {
    let endpoint: ScriptedEndpoint | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const requests = endpoint?.requests ?? [];
        requests.push({
          at: Date.now(),
          method: request.method ?? '',
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        const status = statuses[requests.length - 1] ?? statuses.at(-1) ?? 200;
        response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'not yet');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    endpoint = new ScriptedEndpoint(server, `http://127.0.0.1:${port}/hook`);
    return endpoint;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
