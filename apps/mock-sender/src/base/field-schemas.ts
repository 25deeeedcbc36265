import { secretHeaderProblem } from '@omni-webhooks/contract';
import { z } from 'zod';

// the value rules the environment, the HTTP API and the CLI share: one definition each, below every
// floor that reads input

/** `true`/`false`/`1`/`0`, as an environment flag */
export const booleanFlag = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

/** an absolute http(s) url; zod's httpUrl() would refuse 127.0.0.1 and localhost */
export const httpUrlSchema = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' });

/** a header that may carry a secret (the rule is @omni-webhooks/contract's, as at the receiver) */
export const headerNameSchema = z.string().superRefine((name, ctx) => {
  const problem = secretHeaderProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** a listen address (HOST, --host) */
export const hostSchema = z.string().min(1);

/** multiplies retry waits (RETRY_TIME_SCALE, --time-scale) */
export const retryTimeScaleSchema = z.coerce.number().positive().max(1000);
