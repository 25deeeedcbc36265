// one request to the receiver under test, timed, never throwing
import { readBodyUpTo } from '../bounded-fetch.js';

export interface ProbeRequest {
  url: string;
  body: string | Uint8Array;
  headers: Record<string, string>;
  /** an answer later than this is no answer (what OmniAI does), whatever it says */
  timeoutMs: number;
  /** how much longer to keep the request open for a late answer, so a receiver's backlog drains before the next request */
  graceMs?: number;
  /** ends the request at once (the run's deadline) */
  signal?: AbortSignal;
}

export interface ProbeResponse {
  /** undefined when no response arrived (timeout, refused connection, reset) */
  status: number | undefined;
  durationMs: number;
  error?: string;
  /** where a 3xx pointed; never followed */
  location?: string;
}

/** how much of a response body a probe reads; the rest is dropped with the connection */
export const PROBE_BODY_LIMIT_BYTES = 64 * 1024;

export async function probe(request: ProbeRequest): Promise<ProbeResponse> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const signals = [AbortSignal.timeout(request.timeoutMs + (request.graceMs ?? 0))];
  if (request.signal) signals.push(request.signal);
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      // as OmniAI: a redirect is an answer other than 200, and following it would hand the secret
      // (and the signature) to whatever origin it names
      redirect: 'manual',
      // also bounds the body read below: a body that never ends cannot stall the suite
      signal: AbortSignal.any(signals),
    });
    // late is judged when the status arrives, as omniai's timeout does; the body read after is bounded apart
    const answeredMs = elapsed();
    await drainPrefix(response);
    const durationMs = elapsed();
    if (answeredMs > request.timeoutMs) {
      const late = `no answer within ${request.timeoutMs} ms (answered ${response.status} after ${answeredMs} ms)`;
      return { status: undefined, durationMs, error: late };
    }
    const location = response.headers.get('location');
    return {
      status: response.status,
      durationMs,
      ...(location !== null && response.status >= 300 && response.status < 400 ? { location } : {}),
    };
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    const reason = request.signal?.aborted
      ? 'stopped: the run reached its deadline'
      : timedOut
        ? `no answer within ${request.timeoutMs} ms`
        : describeNetworkError(error);
    return { status: undefined, durationMs: elapsed(), error: reason };
  }
}

/** reads at most PROBE_BODY_LIMIT_BYTES so a short body keeps the connection reusable; cancels the rest */
async function drainPrefix(response: Response): Promise<void> {
  // the status is the answer; a body cut by the timeout or a reset does not change it
  await readBodyUpTo(response, PROBE_BODY_LIMIT_BYTES).catch(() => undefined);
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
