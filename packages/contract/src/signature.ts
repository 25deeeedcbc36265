import { createHmac, randomUUID } from 'node:crypto';
import { equalInConstantTime } from './constant-time.js';
import { SIGNING_KEY_PREFIX } from './signing-key.js';

// standard webhooks (https://www.standardwebhooks.com): id.timestamp.body signed with hmac-sha256

export const SIGNATURE_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/** accepted clock difference, both ways, between the signing and the verifying side */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const SIGNATURE_VERSION = 'v1';

export type SignatureErrorCode =
  | 'missing_headers'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'invalid_signature';

export type SignatureVerification =
  | { ok: true; id: string; timestamp: number }
  | { ok: false; code: SignatureErrorCode; message: string };

export interface SignInput {
  id: string;
  timestamp: number;
  body: string | Uint8Array;
  secret: string;
}

export interface SignatureHeadersInput {
  secret: string;
  body: string | Uint8Array;
  id?: string;
  timestamp?: number;
}

export interface VerifySignatureInput {
  headers: Record<string, string | string[] | undefined>;
  body: string | Uint8Array;
  secrets: readonly string[];
  nowSeconds?: number;
  toleranceSeconds?: number;
}

/** `whsec_` secrets are base64 keys (standard webhooks); any other secret is used as its utf-8 bytes */
function secretKey(secret: string): Buffer {
  if (secret === '') {
    throw new TypeError('[@omni-webhooks/contract] a signing secret must not be empty');
  }
  if (secret.startsWith(SIGNING_KEY_PREFIX)) {
    const key = Buffer.from(secret.slice(SIGNING_KEY_PREFIX.length), 'base64');
    if (key.length === 0) {
      throw new TypeError('[@omni-webhooks/contract] a whsec_ secret must carry a base64 key');
    }
    return key;
  }
  return Buffer.from(secret, 'utf8');
}

function hmac(key: Buffer, id: string, timestamp: number, body: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8').update(body).digest();
}

/** the `webhook-signature` value for one secret: `v1,<base64 HMAC-SHA256 of id.timestamp.body>` */
export function signWebhook(input: SignInput): string {
  const mac = hmac(secretKey(input.secret), input.id, input.timestamp, input.body);
  return `${SIGNATURE_VERSION},${mac.toString('base64')}`;
}

/** the three standard webhooks headers; a fresh `msg_` id and the current time unless given */
export function createSignatureHeaders(input: SignatureHeadersInput): Record<string, string> {
  const id = input.id ?? `msg_${randomUUID().replaceAll('-', '')}`;
  const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    [SIGNATURE_HEADERS.id]: id,
    [SIGNATURE_HEADERS.timestamp]: String(timestamp),
    [SIGNATURE_HEADERS.signature]: signWebhook({ id, timestamp, body: input.body, secret: input.secret }),
  };
}

function header(headers: VerifySignatureInput['headers'], name: string): string | undefined {
  // node lower-cases incoming header names; plain objects built by hand may not
  const value = headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  if (Array.isArray(value)) {
    return value.length > 0 ? value.join(' ') : undefined;
  }
  return value === '' ? undefined : value;
}

function failure(code: SignatureErrorCode, message: string): SignatureVerification {
  return { ok: false, code, message: `[@omni-webhooks/contract] ${message}` };
}

/**
 * Verifies standard webhooks headers against the exact body bytes.
 * The signature header may hold several space-separated `version,signature` pairs (key rotation),
 * or several headers (joined by node with ", ");
 * one `v1` pair matching any of `secrets` is enough.
 */
export function verifyWebhookSignature(input: VerifySignatureInput): SignatureVerification {
  const id = header(input.headers, SIGNATURE_HEADERS.id);
  const rawTimestamp = header(input.headers, SIGNATURE_HEADERS.timestamp);
  const signatures = header(input.headers, SIGNATURE_HEADERS.signature);
  if (id === undefined || rawTimestamp === undefined || signatures === undefined) {
    const missing = [
      id === undefined ? SIGNATURE_HEADERS.id : undefined,
      rawTimestamp === undefined ? SIGNATURE_HEADERS.timestamp : undefined,
      signatures === undefined ? SIGNATURE_HEADERS.signature : undefined,
    ].filter((name) => name !== undefined);
    return failure('missing_headers', `missing signature header(s): ${missing.join(', ')}`);
  }

  if (!/^\d{1,15}$/.test(rawTimestamp)) {
    return failure('invalid_timestamp', `${SIGNATURE_HEADERS.timestamp} must be unix seconds`);
  }
  const timestamp = Number(rawTimestamp);
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = input.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  if (now - timestamp > tolerance) {
    return failure('timestamp_too_old', `${SIGNATURE_HEADERS.timestamp} is more than ${tolerance} s old`);
  }
  if (timestamp - now > tolerance) {
    return failure(
      'timestamp_too_new',
      `${SIGNATURE_HEADERS.timestamp} is more than ${tolerance} s in the future`,
    );
  }

  // entries are space-separated; node joins a repeated header with ", ", which leaves a trailing comma
  const candidates = signatures
    .split(/\s+/)
    .map((entry) => entry.replace(/,+$/, '').split(','))
    .filter((parts): parts is [string, string] => parts.length === 2 && parts[0] === SIGNATURE_VERSION)
    // compared as sent, like the reference libraries: decoding first would let other strings through
    // (node's base64 decoder skips foreign characters and ignores the unused bits of the last one)
    .map(([, value]) => Buffer.from(value, 'utf8'));
  let matched = false;
  for (const secret of input.secrets) {
    if (secret === '') {
      continue;
    }
    const expected = Buffer.from(hmac(secretKey(secret), id, timestamp, input.body).toString('base64'));
    for (const candidate of candidates) {
      // the base64 of an hmac-sha256 is always 44 characters: the length check leaks nothing secret
      if (equalInConstantTime(candidate, expected)) {
        matched = true;
      }
    }
  }
  if (!matched) {
    return failure('invalid_signature', 'no signature matches the body and the configured secret(s)');
  }
  return { ok: true, id, timestamp };
}
