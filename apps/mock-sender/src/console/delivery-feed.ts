import { PassThrough } from 'node:stream';
import type { AttemptReport, DeliveryEngine, SettledReport } from '../delivery/delivery-engine.js';

/** a client that stops reading is dropped once this much is queued for it */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
/** open streams at most (MAX_LIVE_STREAMS): each holds a socket and up to MAX_BUFFERED_BYTES */
export const MAX_FEED_CLIENTS = 50;
/** a comment line now and then keeps proxies from closing an idle stream */
export const HEARTBEAT_MS = 15_000;
/** a client whose socket took nothing for this long, with messages waiting for it, is dropped */
export const STALL_MS = 30_000;
/**
 * A stream is ended after this long, however well it reads: a client that never reads holds its slot
 * no longer than this even on an idle sender, where its queue would take weeks to fill. The browser
 * reconnects after 2 s and the console reloads what it shows.
 */
export const MAX_STREAM_AGE_MS = 10 * 60_000;

export interface DeliveryFeedOptions {
  maxClients?: number;
  stallMs?: number;
  maxAgeMs?: number;
  clock?: () => number;
}

interface Client {
  openedAt: number;
  /** since when messages wait that the socket has not taken; undefined while it keeps up */
  stalledSince: number | undefined;
}

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
  readonly #clients = new Map<PassThrough, Client>();
  readonly #heartbeat: NodeJS.Timeout;
  readonly #sweep: NodeJS.Timeout;
  readonly #maxClients: number;
  readonly #stallMs: number;
  readonly #maxAgeMs: number;
  readonly #clock: () => number;
  #closed = false;

  readonly #onAttempt = (report: AttemptReport) => {
    const { deliveryId, n, outcome, succeeded } = report;
    this.publish({ type: 'attempt', data: { deliveryId, n, status: outcome.status, succeeded } });
  };
  readonly #onSettled = (report: SettledReport) => this.publish({ type: 'settled', data: report });

  constructor(engine: DeliveryEngine, options: DeliveryFeedOptions = {}) {
    this.#engine = engine;
    this.#maxClients = options.maxClients ?? MAX_FEED_CLIENTS;
    this.#stallMs = options.stallMs ?? STALL_MS;
    this.#maxAgeMs = options.maxAgeMs ?? MAX_STREAM_AGE_MS;
    this.#clock = options.clock ?? Date.now;
    engine.on('attempt', this.#onAttempt);
    engine.on('settled', this.#onSettled);
    this.#heartbeat = setInterval(() => this.#write(': heartbeat\n\n'), HEARTBEAT_MS).unref();
    const sweepMs = Math.max(10, Math.min(this.#stallMs, this.#maxAgeMs) / 4);
    this.#sweep = setInterval(() => this.#dropStalled(), sweepMs).unref();
  }

  /** the most bytes waiting for any one client (what its socket has not taken yet) */
  get queuedBytes(): number {
    let most = 0;
    for (const stream of this.#clients.keys()) {
      most = Math.max(most, stream.writableLength + stream.readableLength);
    }
    return most;
  }

  get maxClients(): number {
    return this.#maxClients;
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
    this.#clients.set(stream, { openedAt: this.#clock(), stalledSince: undefined });
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
    clearInterval(this.#sweep);
    this.#engine.off('attempt', this.#onAttempt);
    this.#engine.off('settled', this.#onSettled);
    for (const stream of this.#clients.keys()) {
      stream.end();
    }
    this.#clients.clear();
  }

  /**
   * Bytes left in a stream are bytes its socket would not take (the pipe pauses on a full socket):
   * a client whose queue has not emptied for `stallMs` has stopped reading, however little is queued.
   * Streams past `maxAgeMs` are closed too; the browser reconnects. Both are destroyed rather than
   * ended: an end waits for a socket that may never drain, and `server.close()` would wait with it.
   */
  #dropStalled(): void {
    const now = this.#clock();
    for (const [stream, client] of this.#clients) {
      const waiting = stream.writableLength + stream.readableLength > 0;
      client.stalledSince = waiting ? (client.stalledSince ?? now) : undefined;
      const stalled = client.stalledSince !== undefined && now - client.stalledSince >= this.#stallMs;
      if (stalled || now - client.openedAt >= this.#maxAgeMs) {
        this.#clients.delete(stream);
        stream.destroy();
      }
    }
  }

  #write(chunk: string): void {
    for (const stream of this.#clients.keys()) {
      if (stream.writableLength > MAX_BUFFERED_BYTES) {
        this.#clients.delete(stream);
        stream.destroy();
      } else {
        stream.write(chunk);
      }
    }
  }
}
