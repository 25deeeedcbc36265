import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { FedEvent } from '../store/event-feed.js';
import type { InboxStore } from '../store/inbox-store.js';

// GET /events/stream: each subscriber reads the inbox from its own position (so a resume by
// Last-Event-ID, or a restart, loses and repeats nothing), woken when this process stores an event and
// polled for what other replicas store. a client that stops reading is dropped as the sender's live
// feed drops one: too much queued, or nothing taken for a while, or a stream too old (it resumes)

export const EVENT_STREAM_DEFAULTS = {
  /** a subscriber more than this behind in bytes queued is dropped */
  maxBufferedBytes: 1024 * 1024,
  /** a subscriber whose socket took nothing for this long, with bytes waiting, is dropped */
  stallMs: 30_000,
  /** a stream is ended after this long; the client resumes from its last event */
  maxAgeMs: 10 * 60_000,
  heartbeatMs: 15_000,
  /** how often the inbox is read for events stored elsewhere (other replicas) */
  pollMs: 1000,
  pageSize: 100,
} as const;

export interface EventStreamOptions extends Partial<Record<keyof typeof EVENT_STREAM_DEFAULTS, number>> {
  store: InboxStore;
  maxStreams: number;
  logger?: Logger;
}

export interface EventStreamHub {
  /** serves one subscriber from `position` until it goes, is dropped, or the hub closes; 'full' at the bound */
  open(response: ServerResponse, position: string): 'full' | 'closed' | Promise<void>;
  /** an event was stored here: wake the subscribers now */
  notify(): void;
  readonly size: number;
  /** ends every stream */
  close(): void;
}

/** one SSE frame per stored event: `id` is the position to resume from */
export function eventFrame(event: FedEvent): string {
  const data = {
    id: event.id,
    type: event.type,
    status: event.status,
    receivedAt: event.receivedAt,
    headers: event.headers,
    body: event.payload,
  };
  return `id: ${event.position}\nevent: delivery\ndata: ${JSON.stringify(data)}\n\n`;
}

export function createEventStreamHub(options: EventStreamOptions): EventStreamHub {
  const settings = { ...EVENT_STREAM_DEFAULTS, ...options };
  const subscribers = new Set<() => void>();
  const wakers = new Set<() => void>();
  let closed = false;

  const wakeAll = () => {
    for (const wake of [...wakers]) wake();
  };

  async function serve(response: ServerResponse, start: string, stop: Promise<void>): Promise<void> {
    let position = start;
    let ended = false;
    let wakeMe: (() => void) | undefined;
    const gone = () => {
      ended = true;
      wakeMe?.();
    };
    void stop.then(gone);
    response.once('close', gone);
    const openedAt = Date.now();
    let stalledSince: number | undefined;
    const drop = () => {
      ended = true;
      response.destroy();
    };
    const heartbeat = setInterval(
      () => {
        if (response.writableLength > 0) {
          stalledSince ??= Date.now();
          if (Date.now() - stalledSince >= settings.stallMs) drop();
        } else stalledSince = undefined;
        if (Date.now() - openedAt >= settings.maxAgeMs) response.end();
        else if (!ended) response.write(': heartbeat\n\n');
      },
      Math.min(settings.heartbeatMs, settings.stallMs / 2),
    );
    heartbeat.unref();
    try {
      while (!ended && !response.destroyed && !response.writableEnded) {
        let page: FedEvent[];
        try {
          page = await settings.store.feedEvents({ after: position, limit: settings.pageSize });
        } catch (error) {
          // the client keeps its position: it resumes once the store answers again
          settings.logger?.warn(
            { error: error instanceof Error ? error.message : String(error) },
            'event stream could not read the inbox; ending the stream',
          );
          response.end();
          return;
        }
        for (const event of page) {
          if (ended || response.destroyed) return;
          response.write(eventFrame(event));
          position = event.position;
          if (response.writableLength > settings.maxBufferedBytes) {
            drop();
            return;
          }
        }
        if (page.length === settings.pageSize) continue;
        if (ended) return;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, settings.pollMs);
          function done() {
            clearTimeout(timer);
            wakers.delete(done);
            wakeMe = undefined;
            resolve();
          }
          wakers.add(done);
          wakeMe = done;
        });
      }
    } finally {
      clearInterval(heartbeat);
    }
  }

  return {
    open(response, position) {
      if (closed) return 'closed';
      if (subscribers.size >= settings.maxStreams) return 'full';
      let end = () => {};
      const stop = new Promise<void>((resolve) => {
        end = resolve;
      });
      const finish = () => {
        end();
        if (!response.writableEnded) response.end();
      };
      subscribers.add(finish);
      response.once('close', end);
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
        // not kept alive: a stream ended at shutdown takes its socket with it
        connection: 'close',
      });
      // the browser (or listen) reconnects after 2 s when the stream breaks
      response.write('retry: 2000\n\n');
      // where it starts, as an id: a client that loses the stream before any event resumes from here
      response.write(`id: ${position}\nevent: ready\ndata: {}\n\n`);
      return serve(response, position, stop).finally(() => {
        subscribers.delete(finish);
        if (!response.writableEnded && !response.destroyed) response.end();
      });
    },
    notify: wakeAll,
    get size() {
      return subscribers.size;
    },
    close() {
      closed = true;
      for (const finish of [...subscribers]) finish();
    },
  };
}
