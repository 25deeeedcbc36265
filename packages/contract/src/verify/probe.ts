// one request to the receiver under test, timed, never throwing
import { readBodyUpTo } from '../bounded-fetch.js';

export interface ProbeRequest {
  url: string;
  body: string | Uint8Array;
  headers: Record<string, string>;
  timeoutMs: number;
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
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      // as OmniAI: a redirect is an answer other than 200, and following it would hand the secret
      // (and the signature) to whatever origin it names
      redirect: 'manual',
      // also bounds the body read below: a body that never ends cannot stall the suite
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    await drainPrefix(response);
    const location = response.headers.get('location');
    return {
      status: response.status,
      durationMs: elapsed(),
      ...(location !== null && response.status >= 300 && response.status < 400 ? { location } : {}),
    };
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    return {
      status: undefined,
      durationMs: elapsed(),
      error: timedOut ? `no answer within ${request.timeoutMs} ms` : describeNetworkError(error),
    };
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
