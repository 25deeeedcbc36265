/** wait before handler retry `retryNumber` (1-based): base, 2x base, 4x base, ... capped at one hour */
export function handlerRetryDelayMs(retryNumber: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, retryNumber - 1), 3_600_000);
}
