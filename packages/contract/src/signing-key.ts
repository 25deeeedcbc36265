import { randomBytes } from 'node:crypto';

// standard webhooks signing keys: `whsec_` + the base64 of the hmac key. a signing key is not the
// header secret: the secret travels in clear with each delivery, the key never leaves either side

export const SIGNING_KEY_PREFIX = 'whsec_';

/** fewer key bytes than this make a guessable hmac key (standard webhooks issues 24 to 64) */
export const MIN_SIGNING_KEY_BYTES = 16;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** why `value` is not a usable signing key, or undefined when it is one */
export function signingKeyProblem(value: string): string | undefined {
  if (!value.startsWith(SIGNING_KEY_PREFIX)) return `a signing key starts with ${SIGNING_KEY_PREFIX}`;
  const encoded = value.slice(SIGNING_KEY_PREFIX.length);
  if (!BASE64.test(encoded)) return `a signing key is ${SIGNING_KEY_PREFIX} followed by base64`;
  if (Buffer.from(encoded, 'base64').length < MIN_SIGNING_KEY_BYTES) {
    return `a signing key must carry at least ${MIN_SIGNING_KEY_BYTES} bytes`;
  }
  return undefined;
}

export function isSigningKey(value: string): boolean {
  return signingKeyProblem(value) === undefined;
}

/**
 * splits `WEBHOOK_SIGNING_KEYS=whsec_new,whsec_old` (rotation), dropping blanks; throws a TypeError
 * naming the position of a bad key (never the key itself)
 */
export function parseSigningKeys(value: string | undefined): string[] {
  const keys = (value ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
  keys.forEach((key, index) => {
    const problem = signingKeyProblem(key);
    if (problem) throw new TypeError(`[@omni-webhooks/contract] signing key ${index + 1}: ${problem}`);
  });
  return keys;
}

/** a fresh `whsec_` key of 32 random bytes */
export function generateSigningKey(): string {
  return `${SIGNING_KEY_PREFIX}${randomBytes(32).toString('base64')}`;
}
