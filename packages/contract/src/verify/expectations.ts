import type { ProbeResponse } from './probe.js';
import type { LatencyBucket, LatencySummary } from './traffic/latency.js';

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckOutcome {
  status: CheckStatus;
  durationMs: number;
  httpStatus?: number;
  reason?: string;
  /** answer times of a traffic check's requests */
  latency?: LatencySummary;
  /** the sustained-load check's answer times by bucket */
  histogram?: LatencyBucket[];
  /** what a traffic check sent, for the report (e.g. the seed, the rate) */
  details?: string;
}

function noAnswer(response: ProbeResponse): CheckOutcome {
  return { status: 'fail', durationMs: response.durationMs, reason: response.error ?? 'no answer' };
}

const MAX_LOCATION_CHARS = 200;

/** a 3xx is never followed, by OmniAI or by this suite: the check fails where the redirect points */
function redirected(response: ProbeResponse): CheckOutcome | undefined {
  const { status, durationMs, location } = response;
  if (status === undefined || status < 300 || status >= 400) return undefined;
  const target =
    location === undefined
      ? ''
      : ` to ${location.length > MAX_LOCATION_CHARS ? `${location.slice(0, MAX_LOCATION_CHARS)}…` : location}`;
  return {
    status: 'fail',
    durationMs,
    httpStatus: status,
    reason: `answered ${status}, a redirect${target}: OmniAI does not follow redirects, so the delivery fails`,
  };
}

/** OmniAI counts only a 200 as delivered */
export function expectDelivered(response: ProbeResponse): CheckOutcome {
  const { status, durationMs } = response;
  if (status === undefined) {
    return noAnswer(response);
  }
  const redirect = redirected(response);
  if (redirect) {
    return redirect;
  }
  if (status === 200) {
    return { status: 'pass', durationMs, httpStatus: status };
  }
  const reason =
    status >= 200 && status < 300
      ? `answered ${status}: OmniAI counts only 200 as delivered, so it retries and the event arrives again`
      : `answered ${status}, expected 200`;
  return { status: 'fail', durationMs, httpStatus: status, reason };
}

/**
 * A refused request must get a 4xx: a 2xx stores what should not be stored, and a 5xx makes
 * OmniAI retry a request that can never succeed. `exact` pins the status (strict mode).
 */
export function expectRefused(
  response: ProbeResponse,
  accepted: readonly number[] | 'any-4xx',
  exact?: number,
): CheckOutcome {
  const { status, durationMs } = response;
  if (status === undefined) {
    return noAnswer(response);
  }
  const redirect = redirected(response);
  if (redirect) {
    return redirect;
  }
  const allowed = exact !== undefined ? [exact] : accepted;
  const ok = allowed === 'any-4xx' ? status >= 400 && status < 500 : allowed.includes(status);
  if (ok) {
    return { status: 'pass', durationMs, httpStatus: status };
  }
  const expected = allowed === 'any-4xx' ? 'a 4xx' : allowed.join(' or ');
  const why =
    status >= 200 && status < 300
      ? ': the request was accepted'
      : status >= 500
        ? ': OmniAI retries a 5xx, but this request can never succeed'
        : '';
  return {
    status: 'fail',
    durationMs,
    httpStatus: status,
    reason: `answered ${status}, expected ${expected}${why}`,
  };
}
