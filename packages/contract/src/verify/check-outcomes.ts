import type { CheckOutcome } from './expectations.js';

/** what a refused authentication may answer (`--strict`: 401) */
export const AUTH_REFUSALS = [401, 403];

export function skipped(reason: string): CheckOutcome {
  return { status: 'skip', durationMs: 0, reason };
}
