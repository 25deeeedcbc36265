import type { IncomingMessage } from 'node:http';
import type { AuthFailureLimiter } from './auth-failure-limiter.js';
import { type AuthSettings, authenticateHeaders, verifyBodySignature } from './authenticate.js';
import { refuseOnHeaders } from './early-refusal.js';
import type { RefusalCode } from './ingest-responses.js';
import { readBody } from './read-body.js';

// the stages before the body is trusted: headers alone (media type, encoding, declared length, rate
// limit, credentials), then the body read under a size and a time bound, then its signature

export interface AdmissionSettings extends AuthSettings {
  bodyLimit: number;
  bodyTimeoutMs: number;
  limiter: AuthFailureLimiter;
  /** AUTH_MODE=none: every delivery is taken without a credential */
  unauthenticated?: boolean;
  /** ALLOWED_SOURCE_CIDRS as a matcher; undefined: every address */
  allowedSource?: ((address: string) => boolean) | undefined;
}

export interface Refusal {
  admitted: false;
  code: RefusalCode;
  detail?: string;
  /** answered before the whole body was read: the connection cannot be reused */
  closeConnection: boolean;
  retryAfterMs?: number;
}

export type Admission = { admitted: true; rawBody: Buffer } | Refusal;

export async function admitDelivery(
  settings: AdmissionSettings,
  request: IncomingMessage,
  address: string,
  /** the `<token>` of `POST /webhooks/omniai/<token>` */
  pathToken?: string,
): Promise<Admission> {
  const refuse = (code: RefusalCode, detail?: string): Refusal => ({
    admitted: false,
    code,
    closeConnection: true,
    ...(detail !== undefined ? { detail } : {}),
  });
  if (settings.allowedSource && !settings.allowedSource(address)) return refuse('source_not_allowed');
  const early = refuseOnHeaders(request.headers, settings.bodyLimit);
  if (early) return refuse(early);

  const verdict = settings.unauthenticated
    ? ({ ok: true, verifySignature: false, secretMatched: true } as const)
    : authenticateHeaders(settings, request.headers, pathToken);
  // an address past its failure budget is not heard further unless its secret header matches
  const retryAfterMs =
    verdict.ok && verdict.secretMatched ? undefined : settings.limiter.retryAfterMs(address);
  if (retryAfterMs !== undefined) return { ...refuse('too_many_requests'), retryAfterMs };
  if (!verdict.ok) {
    settings.limiter.recordFailure(address);
    return refuse(verdict.code, verdict.detail);
  }

  const read = await readBody(request, settings.bodyLimit, settings.bodyTimeoutMs);
  if (!read.ok) return refuse(read.code);
  if (verdict.verifySignature) {
    const failure = verifyBodySignature(settings, request.headers, read.body);
    if (failure) {
      settings.limiter.recordFailure(address);
      // the body was read whole: the connection may serve the sender's next request
      return { admitted: false, code: 'invalid_signature', detail: failure, closeConnection: false };
    }
  }
  return { admitted: true, rawBody: read.body };
}
