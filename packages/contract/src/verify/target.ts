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
}

export const DEFAULT_OVERSIZE_BYTES = 2 * 1024 * 1024;

/** sends a body to the target the way OmniAI does, with per-check deviations */
export function createSender(target: VerifyTarget) {
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
    return probe({ url: target.url, body, headers, timeoutMs });
  };
}

export type Sender = ReturnType<typeof createSender>;
