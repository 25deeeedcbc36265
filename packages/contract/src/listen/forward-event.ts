import { DELIVERY_TIMEOUT_MS, isSuccessStatus, MAX_ATTEMPTS, retryDelayMs } from '../delivery-contract.js';
import { createSignatureHeaders } from '../signature.js';

// one event re-posted to a local receiver as omniai delivers it: the same bytes on every attempt, a
// 5 s abort, success = HTTP 200, retries after 1, 2 and 4 minutes (times `timeScale`). redirects are
// not followed: a 3xx is a failed attempt, as for omniai

export interface LocalCredentials {
  secret?: string;
  /** lower-case header name */
  secretHeader: string;
  /** whsec_ key: each attempt signed (Standard Webhooks) */
  signingKey?: string;
}

export interface ForwardOptions {
  url: string;
  credentials: LocalCredentials;
  /** 1 = real minutes between retries */
  timeScale: number;
  timeoutMs?: number;
  /** the message id signatures carry: stable over the attempts */
  messageId: string;
  sleep?: (ms: number) => Promise<void>;
}

export interface ForwardResult {
  ok: boolean;
  /** the last attempt's status; null when it got no response */
  status: number | null;
  attempts: number;
  /** why the last attempt failed, never with a credential in it */
  error?: string;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function forwardEvent(body: string, options: ForwardOptions): Promise<ForwardResult> {
  const bytes = Buffer.from(body, 'utf8');
  const sleep = options.sleep ?? defaultSleep;
  let last: ForwardResult = { ok: false, status: null, attempts: 0 };
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    if (attempt > 1) await sleep(retryDelayMs(attempt - 1) * options.timeScale);
    last = { ...(await attemptOnce(bytes, options)), attempts: attempt };
    if (last.ok) return last;
  }
  return last;
}

async function attemptOnce(bytes: Buffer, options: ForwardOptions): Promise<Omit<ForwardResult, 'attempts'>> {
  const { credentials } = options;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'omni-contract-listen',
    ...(credentials.secret ? { [credentials.secretHeader]: credentials.secret } : {}),
    ...(credentials.signingKey
      ? createSignatureHeaders({ secret: credentials.signingKey, body: bytes, id: options.messageId })
      : {}),
  };
  try {
    const response = await fetch(options.url, {
      method: 'POST',
      headers,
      body: bytes,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? DELIVERY_TIMEOUT_MS),
    });
    // only the status matters: the body is left unread, up to what the socket already holds
    await response.body?.cancel().catch(() => undefined);
    const ok = isSuccessStatus(response.status);
    return {
      ok,
      status: response.status,
      ...(ok
        ? {}
        : {
            error:
              response.status >= 300 && response.status < 400
                ? 'redirect not followed'
                : `HTTP ${response.status}`,
          }),
    };
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    // the cause's code (ECONNREFUSED...) says enough; a message could quote the url and its token
    const code = (error as { cause?: { code?: string } }).cause?.code;
    return {
      ok: false,
      status: null,
      error: timedOut ? 'no response within the timeout' : (code ?? 'network error'),
    };
  }
}
