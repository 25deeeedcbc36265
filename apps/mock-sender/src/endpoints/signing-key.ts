import { z } from 'zod';

// standard webhooks signing keys: `whsec_` + the base64 of the hmac key. the key never travels; the
// secret header does, in clear, with every delivery, so the two must differ
const PREFIX = 'whsec_';
const MIN_KEY_BYTES = 16;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** why `value` is not a usable signing key, or undefined when it is one (never echoes the value) */
export function signingKeyProblem(value: string): string | undefined {
  if (!value.startsWith(PREFIX)) {
    return `must start with ${PREFIX}`;
  }
  const encoded = value.slice(PREFIX.length);
  if (!BASE64.test(encoded)) {
    return `must be ${PREFIX} followed by base64`;
  }
  if (Buffer.from(encoded, 'base64').length < MIN_KEY_BYTES) {
    return `must carry at least ${MIN_KEY_BYTES} bytes of key`;
  }
  return undefined;
}

export const signingKeySchema = z.string().superRefine((value, ctx) => {
  const problem = signingKeyProblem(value);
  if (problem) {
    ctx.addIssue({ code: 'custom', message: `a signing key ${problem}` });
  }
});

/**
 * The key to sign with: the signing key, or for one release a `whsec_` secret (deprecated: that
 * secret is also sent in clear, so one captured request lets anyone sign)
 */
export function resolveSigningKey(
  signingKey: string | undefined,
  secret: string | undefined,
): { key: string | undefined; fromSecret: boolean } {
  if (signingKey !== undefined) {
    return { key: signingKey, fromSecret: false };
  }
  if (secret !== undefined && signingKeyProblem(secret) === undefined) {
    return { key: secret, fromSecret: true };
  }
  return { key: undefined, fromSecret: false };
}
