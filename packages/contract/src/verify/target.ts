import { DEFAULT_SECRET_HEADER, DELIVERY_TIMEOUT_MS } from '../delivery-contract.js';
import { createSignatureHeaders } from '../signature.js';
import { type ProbeResponse, probe } from './probe.js';

/** the receiver under test and how to authenticate to it */
export interface VerifyTarget {
  url: string;
  /** the secret the receiver accepts; without one the secret-header checks are skipped (signatures still checked with `sign`) */
  secret?: string;
  secretHeader?: string;
  /** also send standard webhooks signature headers, signed with `signingKey` (else `secret`) */
  sign?: boolean;
  /** the `whsec_` key to sign with; not the header secret */
  signingKey?: string;
  /** expect the exact status codes of the omni-webhooks receiver instead of any 4xx */
  strict?: boolean;
  /** per-request timeout; OmniAI's is 5000 ms */
  timeoutMs?: number;
  /** size of the body sent by the oversized-body check */
  oversizeBytes?: number;
  /** the token of `POST <url>/<token>`: sent in the path, and the auth checks send a wrong and a missing one */
  pathToken?: string;
}

export interface SendOptions {
  /** the secret to send; `null` sends none; the target's secret by default */
  secret?: string | null;
  contentType?: string;
  /** sign as if at this unix time (seconds); now by default */
  signedAt?: number;
  /** the `webhook-id` to sign with; a fresh one by default, the same one for a redelivery */
  messageId?: string;
  /** with --sign: `none` sends no signature headers, `tampered` signs other bytes than the body sent */
  signature?: 'none' | 'tampered';
  /** with a path token: `null` sends none, a string sends that token instead */
  pathToken?: string | null;
  /** keep waiting past the timeout for a late answer (judged late all the same), so a backlog drains */
  drainLate?: boolean;
}

/** how much longer than the timeout a traffic check waits for a late answer: 3× the timeout in all */
export const LATE_ANSWER_FACTOR = 2;

/** `<url>/<token>`, the token encoded as one path segment */
export function pathTokenUrl(url: string, token: string): string {
  const parsed = new URL(url);
  parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}/${encodeURIComponent(token)}`;
  return parsed.href;
}

export const DEFAULT_OVERSIZE_BYTES = 2 * 1024 * 1024;

/** sends a body to the target the way OmniAI does, with per-check deviations */
export function createSender(target: VerifyTarget, run: { signal?: AbortSignal } = {}) {
  const secretHeader = (target.secretHeader ?? DEFAULT_SECRET_HEADER).toLowerCase();
  const timeoutMs = target.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  return (body: string, options: SendOptions = {}): Promise<ProbeResponse> => {
    const secret = options.secret === undefined ? target.secret : options.secret;
    const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
    if (secret !== undefined && secret !== null) {
      headers[secretHeader] = secret;
    }
    // an impostor with a missing or wrong secret has no signing key either
    const signingKey = target.signingKey ?? secret;
    const signs = target.sign && options.secret === undefined && options.signature !== 'none';
    if (signs && signingKey !== undefined && signingKey !== null) {
      Object.assign(
        headers,
        createSignatureHeaders({
          secret: signingKey,
          body: options.signature === 'tampered' ? `${body} ` : body,
          ...(options.signedAt === undefined ? {} : { timestamp: options.signedAt }),
          ...(options.messageId === undefined ? {} : { id: options.messageId }),
        }),
      );
    }
    const pathToken = options.pathToken === undefined ? target.pathToken : options.pathToken;
    return probe({
      url: pathToken ? pathTokenUrl(target.url, pathToken) : target.url,
      body,
      headers,
      timeoutMs,
      ...(options.drainLate ? { graceMs: timeoutMs * LATE_ANSWER_FACTOR } : {}),
      ...(run.signal ? { signal: run.signal } : {}),
    });
  };
}

export type Sender = ReturnType<typeof createSender>;
