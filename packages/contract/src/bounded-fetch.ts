// how every client of this project (drift, the sender's CLI, listen) calls a server it was pointed at:
// redirects are answers, never followed (they would carry the token elsewhere), the answer is read up
// to a bound, and the whole exchange, body included, ends within a timeout

export type BoundedFetchCause = 'redirect' | 'too_large' | 'timeout' | 'network';

export class BoundedFetchError extends Error {
  override readonly name = 'BoundedFetchError';
  constructor(
    readonly reason: BoundedFetchCause,
    message: string,
  ) {
    super(message);
  }
}

export interface BoundedFetchOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | null;
  timeoutMs: number;
  /** most bytes of the answer read; more is a `too_large` failure */
  maxBytes: number;
}

export interface BoundedAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** reads at most `limit` bytes of a body and cancels the rest; `complete` says whether it ended within */
export async function readBodyUpTo(
  response: Response,
  limit: number,
): Promise<{ bytes: Uint8Array; complete: boolean }> {
  if (!response.body) return { bytes: new Uint8Array(), complete: true };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size <= limit) {
      const { done, value } = await reader.read();
      if (done) return { bytes: Buffer.concat(chunks), complete: true };
      chunks.push(value);
      size += value.byteLength;
    }
    return { bytes: Buffer.concat(chunks).subarray(0, limit), complete: false };
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

const isTimeout = (error: unknown) =>
  error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError');

/** one request under the rules above; throws BoundedFetchError naming the url and the cause */
export async function fetchBounded(url: URL | string, options: BoundedFetchOptions): Promise<BoundedAnswer> {
  const href = String(url);
  const fail = (reason: BoundedFetchCause, detail: string) =>
    new BoundedFetchError(reason, `${href} ${detail}`);
  const signal = AbortSignal.timeout(options.timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? 'GET',
      headers: options.headers ?? {},
      body: options.body ?? null,
      redirect: 'manual',
      signal,
    });
  } catch (error) {
    if (isTimeout(error)) throw fail('timeout', `did not answer within ${options.timeoutMs} ms`);
    const cause =
      (error as Error).cause instanceof Error ? `: ${((error as Error).cause as Error).message}` : '';
    throw fail('network', `cannot be reached: ${(error as Error).message}${cause}`);
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel().catch(() => undefined);
    const location = response.headers.get('location');
    throw fail(
      'redirect',
      `answered ${response.status}${location ? ` to ${location.slice(0, 200)}` : ''}: redirects are not followed (give the final URL)`,
    );
  }
  let read: { bytes: Uint8Array; complete: boolean };
  try {
    read = await readBodyUpTo(response, options.maxBytes);
  } catch (error) {
    if (isTimeout(error) || signal.aborted) {
      throw fail('timeout', `did not finish its answer within ${options.timeoutMs} ms`);
    }
    throw fail('network', `broke off its answer: ${(error as Error).message}`);
  }
  if (!read.complete) {
    throw fail('too_large', `answered more than ${options.maxBytes} bytes: not read further`);
  }
  return {
    status: response.status,
    headers: response.headers,
    text: Buffer.from(read.bytes).toString('utf8'),
  };
}
