// the delivery contract OmniAI documents, defined once and imported everywhere else

/** per-attempt timeout: no response within this many milliseconds is a failed attempt */
export const DELIVERY_TIMEOUT_MS = 5000;

/** after a failed attempt wait 60 s, then 120 s, then 240 s; at most 3 retries */
export const RETRY_SCHEDULE = { firstDelayMs: 60_000, factor: 2, maxRetries: 3 } as const;

/** the first attempt plus every retry */
export const MAX_ATTEMPTS = 1 + RETRY_SCHEDULE.maxRetries;

/** OmniAI does not publish the header name, so every consumer makes it configurable */
export const DEFAULT_SECRET_HEADER = 'x-webhook-secret';

export type SuccessRule = '200' | '2xx';

export const SUCCESS_RULES: readonly SuccessRule[] = ['200', '2xx'];

/** the documented rule is HTTP 200 only; `2xx` is an opt-in for receivers that answer 202 or 204 */
export const DEFAULT_SUCCESS_RULE: SuccessRule = '200';

/**
 * Wait before retry number `retryNumber` (1-based): 60 000, 120 000, 240 000 ms.
 * Numbers past `RETRY_SCHEDULE.maxRetries` continue the geometric series.
 */
export function retryDelayMs(retryNumber: number): number {
  if (!Number.isInteger(retryNumber) || retryNumber < 1) {
    throw new RangeError(
      `[@omni-webhooks/contract] retryNumber must be an integer >= 1, got ${String(retryNumber)}`,
    );
  }
  return RETRY_SCHEDULE.firstDelayMs * RETRY_SCHEDULE.factor ** (retryNumber - 1);
}

export function isSuccessStatus(status: number, rule: SuccessRule = DEFAULT_SUCCESS_RULE): boolean {
  return rule === '2xx' ? status >= 200 && status <= 299 : status === 200;
}
