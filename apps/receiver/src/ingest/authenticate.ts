import { SIGNATURE_HEADERS, secretVerifier, verifyWebhookSignature } from '@omni-webhooks/contract';
import { type RequestHeaders, single } from './early-refusal.js';

// who may deliver. two credentials: the secret header (sent in clear with every delivery, so a captured
// request carries it) and a standard webhooks signature (an hmac with a key that never travels, over
// id, timestamp and body: a capture cannot be altered, nor replayed past the 5-minute tolerance).
// - every credential sent must be valid: a wrong secret, or a signature that is stale or does not
//   match, is refused whatever else the request carries
// - off: the secret header is the only way in; signature headers are not looked at
// - optional: the secret header or a valid signature; without signing keys, signature headers are
//   ignored (nothing to check them with)
// - required: a valid signature, with or without the secret header
// a path token (`POST /webhooks/omniai/<token>`) stands where the secret header does: for a sender that
// sends no secret. a token sent must match, like every other credential

/**
 * how signatures count (see above). the service's SIGNATURE_MODES lists the same three; a type test in
 * authenticate.test.ts keeps them equal
 */
export type SignatureMode = 'off' | 'optional' | 'required';

export interface AuthSettings {
  secrets: readonly string[];
  /** lower-case header name */
  secretHeader: string;
  /** WEBHOOK_PATH_TOKEN values */
  pathTokens?: readonly string[];
  /** whsec_ keys that signatures are checked with */
  signingKeys: readonly string[];
  signatureMode: SignatureMode;
}

export type HeaderVerdict =
  | { ok: false; code: 'unauthorized' | 'invalid_signature'; detail?: string }
  | {
      ok: true;
      /** the signature is checked against the body once read */
      verifySignature: boolean;
      /** the secret header matched: the request is authenticated before its body */
      secretMatched: boolean;
    };

interface Verifiers {
  secret: (received: string | undefined) => boolean;
  pathToken: (received: string | undefined) => boolean;
}

// settings are fixed at start-up: their secrets and tokens are hashed once, on first use, not per request
const verifiers = new WeakMap<AuthSettings, Verifiers>();

function verifiersOf(settings: AuthSettings): Verifiers {
  let found = verifiers.get(settings);
  if (!found) {
    found = {
      secret: secretVerifier(settings.secrets),
      pathToken: secretVerifier(settings.pathTokens ?? []),
    };
    verifiers.set(settings, found);
  }
  return found;
}

/** what the headers alone decide; when only a signature can let the request in, its body must be read */
export function authenticateHeaders(
  settings: AuthSettings,
  headers: RequestHeaders,
  pathToken?: string,
): HeaderVerdict {
  const verify = verifiersOf(settings);
  const sentSecret = single(headers[settings.secretHeader]);
  const tokenMatched = pathToken !== undefined && verify.pathToken(pathToken);
  if (pathToken !== undefined && !tokenMatched) return { ok: false, code: 'unauthorized' };
  const sentSecretMatched = verify.secret(sentSecret);
  const secretMatched = sentSecretMatched || tokenMatched;
  if (sentSecret !== undefined && sentSecret !== '' && !sentSecretMatched)
    return { ok: false, code: 'unauthorized' };

  const signatureSent = Object.values(SIGNATURE_HEADERS).some((name) => headers[name] !== undefined);
  const checkSignatures =
    settings.signatureMode === 'required' ||
    (settings.signatureMode === 'optional' && settings.signingKeys.length > 0);
  if (!checkSignatures || !signatureSent) {
    if (settings.signatureMode === 'required') {
      return secretMatched
        ? { ok: false, code: 'invalid_signature', detail: 'missing_headers' }
        : { ok: false, code: 'unauthorized' };
    }
    return secretMatched
      ? { ok: true, verifySignature: false, secretMatched }
      : { ok: false, code: 'unauthorized' };
  }
  if (settings.signingKeys.length === 0) {
    return { ok: false, code: 'invalid_signature', detail: 'no signing key configured' };
  }
  // missing headers and a stale or malformed timestamp need no body: refused before it is read. with no
  // key given, a complete and timely signature fails only as `invalid_signature`
  const early = verifyWebhookSignature({ headers: { ...headers }, body: '', secrets: [] });
  if (!early.ok && early.code !== 'invalid_signature') {
    return { ok: false, code: 'invalid_signature', detail: early.code };
  }
  return { ok: true, verifySignature: true, secretMatched };
}

/** undefined when the signature matches the body and one of the keys; else why not */
export function verifyBodySignature(
  settings: AuthSettings,
  headers: RequestHeaders,
  rawBody: Buffer,
): string | undefined {
  const verification = verifyWebhookSignature({
    headers: { ...headers },
    body: rawBody,
    secrets: settings.signingKeys,
  });
  return verification.ok ? undefined : verification.code;
}
