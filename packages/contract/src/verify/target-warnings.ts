import { isLoopbackHost } from '../loopback.js';

// OmniAI tells receivers to use HTTPS endpoints: a plain-http receiver off this machine gets the secret
// (and the events) in clear, so the suite says so while it still runs the checks

/** one line per concern about the target itself, empty when there is none */
export function targetWarnings(url: string): string[] {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed?.protocol !== 'http:' || isLoopbackHost(parsed.hostname)) return [];
  return [
    `warning: ${parsed.origin} is plain http to a host that is not loopback: the secret and the events ` +
      'cross the network in clear; OmniAI tells receivers to use HTTPS endpoints',
  ];
}
