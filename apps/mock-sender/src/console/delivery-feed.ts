import { PassThrough } from 'node:stream';
import type { AttemptReport, DeliveryEngine, SettledReport } from '../delivery/delivery-engine.js';

/** a client that stops reading is dropped once this much is queued for it */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
/** open streams at most: each holds a socket and up to MAX_BUFFERED_BYTES */
export const MAX_FEED_CLIENTS = 50;
/** a comment line now and then keeps proxies from closing an idle stream */
export const HEARTBEAT_MS = 15_000;

export type FeedMessage =
  | { type: 'attempt'; data: { deliveryId: string; n: number; status: number | null; succeeded: boolean } }
  | { type: 'settled'; data: SettledReport }
  | { type: 'change'; data: { method: string; path: string } };

/**
 * Server-sent events for the console: every attempt and settlement the engine reports, and every write
 * through the API. Streams never end by themselves, so `close()` must run before the server can stop.
 */
export class DeliveryFeed {
  readonly #engine: DeliveryEngine;
  readonly #clients = new Set<PassThrough>();
  readonly #heartbeat: NodeJS.Timeout;
  readonly #maxClients: number;
  #closed = false;

  readonly #onAttempt = (report: AttemptReport) => {
    const { deliveryId, n, outcome, succeeded } = report;
    this.publish({ type: 'attempt', data: { deliveryId, n, status: outcome.status, succeeded } });
  };
  readonly #onSettled = (report: SettledReport) => this.publish({ type: 'settled', data: report });

  constructor(engine: DeliveryEngine, options: { maxClients?: number } = {}) {
    this.#engine = engine;
    this.#maxClients = options.maxClients ?? MAX_FEED_CLIENTS;
    engine.on('attempt', this.#onAttempt);
    engine.on('settled', this.#onSettled);
    this.#heartbeat = setInterval(() => this.#write(': heartbeat\n\n'), HEARTBEAT_MS).unref();
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** a new stream for one client; 'closed' once the feed is closed, 'full' at MAX_FEED_CLIENTS */
  open(): PassThrough | 'closed' | 'full' {
    if (this.#closed) {
      return 'closed';
    }
    if (this.#clients.size >= this.#maxClients) {
      return 'full';
    }
    const stream = new PassThrough();
    this.#clients.add(stream);
    stream.once('close', () => this.#clients.delete(stream));
    // the browser reconnects after 2 s when the stream breaks
    stream.write('retry: 2000\n\n');
    return stream;
  }

  publish(message: FeedMessage): void {
    this.#write(`event: ${message.type}\ndata: ${JSON.stringify(message.data)}\n\n`);
  }

  /** ends every stream and stops listening to the engine */
  close(): void {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#engine.off('attempt', this.#onAttempt);
    this.#engine.off('settled', this.#onSettled);
    for (const stream of this.#clients) {
      stream.end();
    }
    this.#clients.clear();
  }

  #write(chunk: string): void {
    for (const stream of this.#clients) {
      if (stream.writableLength > MAX_BUFFERED_BYTES) {
        this.#clients.delete(stream);
        stream.destroy();
      } else {
        stream.write(chunk);
      }
    }
  }
}
