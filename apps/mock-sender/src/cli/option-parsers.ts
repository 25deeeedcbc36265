import { InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { headerNameSchema, hostSchema, httpUrlSchema, retryTimeScaleSchema } from '../base/field-schemas.js';
import { signingKeySchema } from '../endpoints/signing-key.js';
import { MAX_EVENTS_PER_REQUEST } from '../events/event-factory.js';

/** an option parser from a zod schema: the same definition as the environment variable it mirrors */
function parsedBy<T extends z.ZodType>(schema: T) {
  return (value: string): z.output<T> => {
    const result = schema.safeParse(value);
    if (!result.success) {
      throw new InvalidArgumentError(result.error.issues.map((issue) => issue.message).join('; '));
    }
    return result.data;
  };
}

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be from ${min} to ${max}`).max(max, `must be from ${min} to ${max}`));

export const cliOptionParsers = {
  url: parsedBy(httpUrlSchema),
  header: parsedBy(headerNameSchema),
  secret: parsedBy(z.string().min(1, 'must not be empty')),
  signingKey: parsedBy(signingKeySchema),
  count: parsedBy(wholeNumber(1, MAX_EVENTS_PER_REQUEST)),
  // the RETRY_TIME_SCALE rule, after a check that it is written as a number at all ('' would coerce to 0)
  timeScale: (value: string): number => {
    if (!/^\d*\.?\d+(e[-+]?\d+)?$/i.test(value)) {
      throw new InvalidArgumentError('must be a number above 0 (0.01 turns minutes into 0.6 s steps)');
    }
    return parsedBy(retryTimeScaleSchema)(value);
  },
  timeout: parsedBy(wholeNumber(1, 600_000)),
  concurrency: parsedBy(wholeNumber(1, 10_000)),
  port: parsedBy(wholeNumber(0, 65_535)),
  host: parsedBy(hostSchema),
};
