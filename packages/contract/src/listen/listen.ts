import { writeFile } from 'node:fs/promises';
import { type ForwardResult, forwardEvent, type LocalCredentials } from './forward-event.js';
import { readSseEvents, SseLimitError } from './sse-reader.js';

// `omni-contract listen`: GET /events/stream of a deployed receiver, each event re-posted to a local
// one. a broken stream is reopened with back-off from the last event handled (Last-Event-ID), so a
// receiver restart loses and repeats nothing

export interface ListenOptions {
  /** the receiver's base url */
  url: string;
  token: string;
  forwardTo: string;
  credentials: LocalCredentials;
  /** where to start: an ISO time, an event id or a stream position; default now */
  since?: string;
  exitAfter?: number;
  readyFile?: string;
  json: boolean;
  timeScale: number;
  /** the biggest stream line or event read; default 8 MiB (a 1 MiB body escaped in json, with room) */
  maxEventBytes?: number;
  signal?: AbortSignal;
}

export interface ListenIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export interface StreamedDelivery {
  id: string;
  type: string;
  receivedAt: string;
  body: string;
}

export const DEFAULT_MAX_EVENT_BYTES = 8 * 1024 * 1024;
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 30_000;

/** a stream answer no retry can fix (wrong token, unknown start, a redirect): exit 2 */
export class ListenInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ListenInputError';
  }
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

/** the stream url for a start: ?since= for a time, ?after= for an event id or a position */
export function streamUrl(base: string, since: string | undefined): URL {
  const url = new URL('/events/stream', base);
  if (since !== undefined) url.searchParams.set(ISO_TIME.test(since) ? 'since' : 'after', since);
  return url;
}

function describe(event: StreamedDelivery, result: ForwardResult, json: boolean): string {
  if (json) {
    return `${JSON.stringify({
      id: event.id,
      type: event.type,
      receivedAt: event.receivedAt,
      forwarded: result.ok,
      status: result.status,
      attempts: result.attempts,
      ...(result.error ? { error: result.error } : {}),
    })}\n`;
  }
  const answer = result.status === null ? (result.error ?? 'no answer') : String(result.status);
  const tries = result.attempts === 1 ? '' : ` after ${result.attempts} attempts`;
  return `${event.receivedAt} ${event.type} ${event.id} -> ${answer}${tries}${result.ok ? '' : ` (not forwarded${result.error && result.status !== null ? `: ${result.error}` : ''})`}\n`;
}

/** resolves with the exit code: 0 every event forwarded, 1 one was not */
export async function listen(options: ListenOptions, io: ListenIo): Promise<number> {
  const maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  let lastEventId: string | undefined;
  let handled = 0;
  let failed = 0;
  let ready = false;
  let backoff = BACKOFF_FIRST_MS;
  const done = () => options.exitAfter !== undefined && handled >= options.exitAfter;
  const aborted = () => options.signal?.aborted === true;

  while (!done() && !aborted()) {
    let response: Response;
    try {
      response = await fetch(
        lastEventId === undefined ? streamUrl(options.url, options.since) : streamUrl(options.url, undefined),
        {
          headers: {
            authorization: `Bearer ${options.token}`,
            accept: 'text/event-stream',
            ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}),
          },
          redirect: 'manual',
          ...(options.signal ? { signal: options.signal } : {}),
        },
      );
    } catch (error) {
      if (aborted()) break;
      const code = (error as { cause?: { code?: string } }).cause?.code ?? 'network error';
      io.stderr.write(
        `omni-contract listen: receiver unreachable (${code}); retrying in ${Math.round(backoff * options.timeScale)} ms\n`,
      );
      await pause(backoff * options.timeScale, options.signal);
      backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
      continue;
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      if (response.status === 401 || response.status === 403) {
        throw new ListenInputError(`the receiver refused the admin token (HTTP ${response.status})`);
      }
      if (response.status >= 300 && response.status < 400) {
        throw new ListenInputError(
          `the receiver answered a redirect (HTTP ${response.status}), not followed: give its final URL`,
        );
      }
      if (response.status === 400 || response.status === 404) {
        throw new ListenInputError(
          `the receiver refused where to start (HTTP ${response.status}): check --since`,
        );
      }
      io.stderr.write(
        `omni-contract listen: stream answered HTTP ${response.status}; retrying in ${Math.round(backoff * options.timeScale)} ms\n`,
      );
      await pause(backoff * options.timeScale, options.signal);
      backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
      continue;
    }
    if (!ready) {
      ready = true;
      if (options.readyFile) await writeFile(options.readyFile, `${new Date().toISOString()}\n`);
      io.stderr.write('omni-contract listen: subscribed; forwarding events\n');
    } else {
      io.stderr.write('omni-contract listen: stream reopened; resuming after the last event\n');
    }
    backoff = BACKOFF_FIRST_MS;
    try {
      if (!response.body) throw new Error('no response body');
      for await (const message of readSseEvents(response.body, maxEventBytes)) {
        if (message.event !== 'delivery') {
          // the stream's opening `ready` names where it started: a reconnect resumes there
          if (message.event === 'ready' && lastEventId === undefined) lastEventId = message.id;
          continue;
        }
        const event = JSON.parse(message.data) as StreamedDelivery;
        const result = await forwardEvent(event.body, {
          url: options.forwardTo,
          credentials: options.credentials,
          timeScale: options.timeScale,
          messageId: `msg_${event.id.replaceAll('-', '')}`,
        });
        lastEventId = message.id ?? lastEventId;
        handled += 1;
        if (!result.ok) failed += 1;
        io.stdout.write(describe(event, result, options.json));
        if (done() || aborted()) break;
      }
    } catch (error) {
      if (aborted()) break;
      if (error instanceof SseLimitError) throw new ListenInputError(error.message);
      io.stderr.write(
        `omni-contract listen: stream broke (${error instanceof Error ? error.name : 'error'}); reconnecting\n`,
      );
    } finally {
      await response.body?.cancel().catch(() => undefined);
    }
    if (!done() && !aborted()) {
      await pause(backoff * options.timeScale, options.signal);
      backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
    }
  }
  return failed > 0 ? 1 : 0;
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
