import { isIP } from 'node:net';

// IPv6 forms that carry an IPv4 address and reach it: a target written so must be judged by that
// address (169.254.169.254 as 64:ff9b::a9fe:a9fe is still the metadata service)

/** the eight 16-bit groups of an IPv6 address */
function groups(address: string): number[] {
  // the WHATWG parser writes a dotted tail as hex groups and keeps "::" once
  const normalized = new URL(`http://[${address}]`).hostname.slice(1, -1);
  const [head = '', tail] = normalized.split('::');
  const parse = (part: string) =>
    part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

const dotted = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;

/**
 * The IPv4 address an IPv6 address embeds, or undefined: IPv4-mapped (`::ffff:a.b.c.d`),
 * IPv4-compatible (`::a.b.c.d`, deprecated but still routed by some stacks), NAT64 (`64:ff9b::/96`)
 * and 6to4 (`2002:aabb:ccdd::/48`).
 */
export function embeddedIpv4(address: string): string | undefined {
  if (isIP(address) !== 6 || address.includes('%')) return undefined;
  const g = groups(address);
  const zeros = (from: number, to: number) => g.slice(from, to).every((group) => group === 0);
  const low = dotted(g[6] ?? 0, g[7] ?? 0);
  if (zeros(0, 5) && (g[5] === 0xffff || g[5] === 0)) return low;
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return low;
  if (g[0] === 0x2002) return dotted(g[1] ?? 0, g[2] ?? 0);
  return undefined;
}
