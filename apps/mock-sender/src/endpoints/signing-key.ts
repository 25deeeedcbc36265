import { signingKeyProblem } from '@omni-webhooks/contract';
import { z } from 'zod';

// the key never travels; the secret header does, in clear, with every delivery, so the two must differ
export const signingKeySchema = z.string().superRefine((value, ctx) => {
  const problem = signingKeyProblem(value);
  if (problem) {
    ctx.addIssue({ code: 'custom', message: problem });
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
