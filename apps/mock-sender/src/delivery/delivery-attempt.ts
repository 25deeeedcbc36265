import { createSignatureHeaders } from '@omni-webhooks/contract';
import type { AttemptOutcome } from '../outbox/outbox.js';

/** how much of a response body an attempt keeps */
export const RESPONSE_BODY_LIMIT_BYTES = 4096;

export const USER_AGENT = 'omni-webhooks-mock-sender/0.1';

export interface AttemptRequest {
  url: string;
  /** the exact bytes sent on every attempt */
  body: string;
  secret: string | undefined;
  secretHeader: string;
  /** the standard webhooks `webhook-id`, stable across attempts; set (with signingKey) to sign */
  signatureId: string | undefined;
  /** the `whsec_` key the signature is made with; never the secret sent in clear */
  signingKey?: string | undefined;
  timeoutMs: number;
}

export function attemptHeaders(request: AttemptRequest, nowMs: number): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
  };
  if (request.secret !== undefined) {
    headers[request.secretHeader] = request.secret;
  }
  if (request.signatureId !== undefined && request.signingKey !== undefined) {
    Object.assign(
      headers,
      createSignatureHeaders({
        secret: request.signingKey,
        body: request.body,
        id: request.signatureId,
        timestamp: Math.floor(nowMs / 1000),
      }),
    );
  }
  return headers;
}

async function readPrefix(response: Response): Promise<string> {
  if (!response.body) {
    return '';
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_BODY_LIMIT_BYTES) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // the body is only informative: a reset or a timeout while reading keeps what arrived
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT_BYTES).toString('utf8');
}

function describeError(error: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) {
    return `timeout: no response within ${timeoutMs} ms`;
  }
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

/** one POST; never throws: every failure becomes an outcome with an error */
export async function sendAttempt(
  request: AttemptRequest,
  clock: () => number = Date.now,
): Promise<AttemptOutcome> {
  const started = performance.now();
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`no response within ${request.timeoutMs} ms`));
  }, request.timeoutMs);
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: attemptHeaders(request, clock()),
      body: request.body,
      signal: controller.signal,
      // a redirect is an answer other than 200: record it, do not follow it
      redirect: 'manual',
    });
    const responseBody = await readPrefix(response);
    return {
      durationMs: Math.round(performance.now() - started),
      status: response.status,
      error: null,
      responseBody,
    };
  } catch (error) {
    return {
      durationMs: Math.round(performance.now() - started),
      status: null,
      error: describeError(error, timedOut, request.timeoutMs),
      responseBody: null,
    };
  } finally {
    clearTimeout(timer);
  }
}
