import { BlockList, isIP } from 'node:net';

// OmniAI tells receivers to use HTTPS endpoints: a plain-http receiver off this machine gets the secret
// (and the events) in clear, so the suite says so while it still runs the checks

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');
loopback.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/** true for localhost names and loopback addresses (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104) */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const family = isIP(host);
  return family !== 0 && loopback.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/** one line per concern about the target itself, empty when there is none */
export function targetWarnings(url: string): string[] {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed?.protocol !== 'http:' || isLoopbackHost(parsed.hostname)) return [];
  return [
    `warning: ${parsed.origin} is plain http to a host that is not loopback: the secret and the events ` +
      'cross the network in clear; OmniAI tells receivers to use HTTPS endpoints',
  ];
}
