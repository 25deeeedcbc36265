import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { createSignatureHeaders } from '@omni-webhooks/contract';
import type { AttemptOutcome } from '../outbox/outbox.js';
import { TargetGuard } from '../targets/target-guard.js';
import { defaultPort } from '../targets/target-policy.js';

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

async function readPrefix(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).byteLength;
      if (size >= RESPONSE_BODY_LIMIT_BYTES) {
        break;
      }
    }
  } catch {
    // the body is only informative: a reset or a timeout while reading keeps what arrived
  } finally {
    response.destroy();
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

let permissive: TargetGuard | undefined;

/** for callers without a policy (the CLI, library use): anything but link-local and metadata, the system's CAs */
function permissiveGuard(): TargetGuard {
  permissive ??= new TargetGuard();
  return permissive;
}

/** one POST through the guard's agents: the socket connects to an address the guard checked */
function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
  guard: TargetGuard,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    // looked up per call, not bound at import: request interceptors (msw in tests) patch the module
    const send = url.protocol === 'https:' ? https.request : http.request;
    const request = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: guard.agentFor(url),
        lookup: guard.lookupFor(defaultPort(url)),
        signal,
      },
      resolve,
    );
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * One POST; never throws: every failure becomes an outcome with an error. Redirects are not followed
 * (an answer other than 200). A target the guard refuses (ALLOWED_TARGETS, link-local, metadata) is
 * a failed attempt that says why, and no connection is made.
 */
export async function sendAttempt(
  request: AttemptRequest,
  clock: () => number = Date.now,
  guard: TargetGuard = permissiveGuard(),
): Promise<AttemptOutcome> {
  const started = performance.now();
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`no response within ${request.timeoutMs} ms`));
  }, request.timeoutMs);
  try {
    const url = new URL(request.url);
    // the url's own checks again (the policy may have changed since it was added); names are checked
    // on each address they resolve to, when the connection is made
    guard.checkUrl(url);
    const response = await post(
      url,
      attemptHeaders(request, clock()),
      request.body,
      controller.signal,
      guard,
    );
    const responseBody = await readPrefix(response);
    return {
      durationMs: Math.round(performance.now() - started),
      status: response.statusCode ?? null,
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
