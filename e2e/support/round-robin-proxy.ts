import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobinProxyStats {
  /** requests answered by each upstream, in the order given */
  answeredBy: number[];
  /** requests moved to the next upstream because one refused the connection */
  retriedElsewhere: number;
  /** requests answered 502: the upstream failed after the request reached it, or every one refused */
  badGateway: number;
}

/**
 * a load balancer in miniature: each request goes to the next upstream in turn. an upstream that
 * refuses the connection never saw the request, so it is sent to the next one (what a balancer's
 * passive health check does); one that fails after receiving it may have stored the event, so the
 * client gets a 502 and decides (the sender retries, and the receiver's dedupe absorbs a repeat).
 */
export class RoundRobinProxy {
  readonly stats: RoundRobinProxyStats;
  private readonly waiters: { count: number; resolve: () => void }[] = [];

  private constructor(
    private readonly server: Server,
    private readonly agent: Agent,
    readonly url: string,
    stats: RoundRobinProxyStats,
  ) {
    this.stats = stats;
  }

  static async start(options: { upstreams: readonly string[] }): Promise<RoundRobinProxy> {
    const upstreams = options.upstreams.map((upstream) => new URL(upstream));
    if (upstreams.length === 0) throw new Error('round-robin proxy needs at least one upstream');
    const stats: RoundRobinProxyStats = {
      answeredBy: upstreams.map(() => 0),
      retriedElsewhere: 0,
      badGateway: 0,
    };
    const agent = new Agent({ keepAlive: true });
    let next = 0;
    let proxy: RoundRobinProxy | undefined;

    const badGateway = (outgoing: ServerResponse, message: string) => {
      stats.badGateway += 1;
      if (outgoing.headersSent) {
        outgoing.destroy();
        return;
      }
      outgoing.writeHead(502, { 'content-type': 'application/json' });
      outgoing.end(JSON.stringify({ error: { code: 'bad_gateway', message } }));
    };

    const forward = (incoming: IncomingMessage, outgoing: ServerResponse, body: Buffer, tries: number) => {
      const index = next;
      next = (next + 1) % upstreams.length;
      const target = upstreams[index] as URL;
      const upstream = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers: { ...incoming.headers, connection: 'keep-alive' },
        },
        (response) => {
          stats.answeredBy[index] = (stats.answeredBy[index] ?? 0) + 1;
          proxy?.notify();
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
          response.on('error', () => outgoing.destroy());
        },
      );
      upstream.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED' && tries + 1 < upstreams.length) {
          stats.retriedElsewhere += 1;
          forward(incoming, outgoing, body, tries + 1);
        } else {
          badGateway(outgoing, `upstream ${target.host}: ${error.code ?? error.message}`);
        }
      });
      upstream.end(body);
    };

    const server = createServer((incoming, outgoing) => {
      // buffered, so a refused request can be sent again; webhook bodies are small
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => forward(incoming, outgoing, Buffer.concat(chunks), 0));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    proxy = new RoundRobinProxy(server, agent, `http://127.0.0.1:${port}`, stats);
    return proxy;
  }

  /** requests answered so far, by every upstream together */
  get answered(): number {
    return this.stats.answeredBy.reduce((sum, count) => sum + count, 0);
  }

  /** resolves as soon as `count` requests have been answered: a precise point to break something */
  whenAnswered(count: number): Promise<void> {
    if (this.answered >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  private notify(): void {
    const answered = this.answered;
    for (const waiter of this.waiters.filter((entry) => entry.count <= answered)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    this.agent.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
