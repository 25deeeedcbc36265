import type { Attempt, Delivery, DeliveryState } from './api.js';

const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  fractionalSecondDigits: 3,
  hour12: false,
});

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function formatTime(iso: string): string {
  return timeFormat.format(new Date(iso));
}

export function formatDateTime(iso: string): string {
  return dateTimeFormat.format(new Date(iso));
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '–';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** "in 1.2 s" or "due now" relative to `now` */
export function formatCountdown(iso: string, now: number): string {
  const ms = new Date(iso).getTime() - now;
  return ms <= 0 ? 'due now' : `in ${formatDuration(ms)}`;
}

export const STATE_LABELS: Record<DeliveryState, string> = {
  pending: 'pending',
  in_flight: 'in flight',
  succeeded: 'succeeded',
  failed: 'failed',
};

export type AttemptOutcome = 'succeeded' | 'failed' | 'in_flight';

/** the attempt record has no verdict of its own: only the last attempt of a succeeded delivery passed */
export function attemptOutcome(delivery: Delivery, attempt: Attempt): AttemptOutcome {
  if (attempt.durationMs === null && attempt.error === null) return 'in_flight';
  const last = delivery.attempts.at(-1);
  return delivery.state === 'succeeded' && last?.n === attempt.n ? 'succeeded' : 'failed';
}

export function attemptSummary(attempt: Attempt): string {
  if (attempt.status !== null) return `HTTP ${attempt.status}`;
  return attempt.error === null ? 'waiting for a response' : 'no response';
}

/** `document.size`, `items[2].id`; the whole payload is `(payload)` */
export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(payload)';
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? key : `.${key}`))
    .join('');
}
