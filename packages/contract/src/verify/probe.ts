// one request to the receiver under test, timed, never throwing

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
}

export async function probe(request: ProbeRequest): Promise<ProbeResponse> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    // drain the body so the connection is reused, but don't let a slow body stall the suite
    await response.arrayBuffer().catch(() => undefined);
    return { status: response.status, durationMs: elapsed() };
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    return {
      status: undefined,
      durationMs: elapsed(),
      error: timedOut ? `no answer within ${request.timeoutMs} ms` : describeNetworkError(error),
    };
  }
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
