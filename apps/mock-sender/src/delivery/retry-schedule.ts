import { MAX_ATTEMPTS, RETRY_SCHEDULE, retryDelayMs } from '@omni-webhooks/contract';

/**
 * Wait after attempt `attemptNumber` failed (1-based), scaled: 60 s, 120 s, 240 s at scale 1.
 * Undefined after the last attempt: the delivery has failed.
 */
export function waitAfterAttempt(attemptNumber: number, timeScale: number): number | undefined {
  if (attemptNumber >= MAX_ATTEMPTS) {
    return undefined;
  }
  return Math.round(retryDelayMs(attemptNumber) * timeScale);
}

/**
 * p-retry options that continue the contract schedule after `attemptsDone` attempts, so a delivery
 * resumed after a restart keeps its place in the schedule instead of starting over.
 */
export function retryOptionsAfter(
  attemptsDone: number,
  timeScale: number,
): { retries: number; minTimeout: number; factor: number } {
  return {
    retries: Math.max(0, MAX_ATTEMPTS - attemptsDone - 1),
    minTimeout: retryDelayMs(attemptsDone + 1) * timeScale,
    factor: RETRY_SCHEDULE.factor,
  };
}
