import { BlockList, isIP } from 'node:net';
import { isLoopbackHost } from '@omni-webhooks/contract';
import { embeddedIpv4 } from './embedded-ipv4.js';

// which addresses a staging sender may deliver to. link-local and cloud metadata addresses are refused
// unless listed explicitly: a sender that anyone on the network can point at an endpoint would
// otherwise read instance credentials for them

export type AddressClass = 'loopback' | 'private' | 'link-local' | 'metadata' | 'public';

type Family = 'ipv4' | 'ipv6';

const familyOf = (address: string): Family | undefined => {
  const version = isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined;
};

function subnets(entries: readonly [string, number][]): BlockList {
  const list = new BlockList();
  for (const [address, prefix] of entries) {
    list.addSubnet(address, prefix, familyOf(address) ?? 'ipv4');
  }
  return list;
}

const METADATA_ADDRESSES = subnets([
  ['169.254.169.254', 32], // aws, gcp, azure, oracle, openstack
  ['169.254.170.2', 32], // aws ecs task credentials
  ['fd00:ec2::254', 128], // aws over ipv6
  ['fd00:ec2::23', 128], // aws eks pod identity agent
  ['fd20:ce::254', 128], // gcp over ipv6
  ['100.100.100.200', 32], // alibaba cloud
  ['168.63.129.16', 32], // azure wireserver
]);
/** host names that reach a metadata service without naming its address */
export const METADATA_HOSTS: readonly string[] = [
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
];
const LINK_LOCAL = subnets([
  ['169.254.0.0', 16],
  ['fe80::', 10],
]);
// 0.0.0.0 and :: reach this host as loopback does
const LOOPBACK = subnets([
  ['127.0.0.0', 8],
  ['::1', 128],
  ['0.0.0.0', 8],
  ['::', 128],
]);
const PRIVATE = subnets([
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['100.64.0.0', 10],
  ['fc00::', 7],
]);

/** the class of an address; one that embeds an IPv4 address (NAT64, 6to4, mapped) takes that address's */
export function classifyAddress(address: string): AddressClass {
  const embedded = embeddedIpv4(address);
  if (embedded !== undefined) return classifyAddress(embedded);
  const family = familyOf(address);
  if (family === undefined) {
    throw new TypeError(`not an IP address: ${address}`);
  }
  if (METADATA_ADDRESSES.check(address, family)) return 'metadata';
  if (LINK_LOCAL.check(address, family)) return 'link-local';
  if (LOOPBACK.check(address, family)) return 'loopback';
  if (PRIVATE.check(address, family)) return 'private';
  return 'public';
}

/** an entry of ALLOWED_TARGETS: a host name or an address range, either with an optional port */
export type TargetEntry =
  | { kind: 'host'; host: string; port: number | undefined }
  | { kind: 'range'; address: string; prefix: number; family: Family; port: number | undefined };

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

function parsePort(text: string | undefined, entry: string): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port < 1 || port > 65_535) {
    throw new TypeError(`${JSON.stringify(entry)}: the port must be 1 to 65535`);
  }
  return port;
}

/** one ALLOWED_TARGETS entry: `name`, `name:port`, `ip`, `ip:port`, `[ipv6]:port` or `cidr`; throws saying why not */
export function parseTargetEntry(raw: string): TargetEntry {
  const entry = raw.trim().toLowerCase();
  const cidr = /^([^/]+)\/(\d{1,3})$/.exec(entry);
  if (cidr) {
    const [, address = '', prefixText = ''] = cidr;
    const family = familyOf(address);
    const prefix = Number(prefixText);
    if (!family || prefix > (family === 'ipv4' ? 32 : 128)) {
      throw new TypeError(`${JSON.stringify(raw)} is not a CIDR range`);
    }
    return { kind: 'range', address, prefix, family, port: undefined };
  }
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  const [host, portText] = bracketed
    ? [bracketed[1] ?? '', bracketed[2]]
    : isIP(entry) === 6
      ? [entry, undefined]
      : (entry.split(/:(?=[^:]*$)/) as [string, string | undefined]);
  const port = parsePort(portText, raw);
  const family = familyOf(host);
  if (family) {
    return { kind: 'range', address: host, prefix: family === 'ipv4' ? 32 : 128, family, port };
  }
  if (!HOST_NAME.test(host)) {
    throw new TypeError(`${JSON.stringify(raw)} is not a host name, host:port, IP address or CIDR range`);
  }
  return { kind: 'host', host, port };
}

export interface TargetPolicyOptions {
  /** ALLOWED_TARGETS; undefined: the default policy */
  allowed?: readonly TargetEntry[] | undefined;
  /** the sender listens on loopback only: loopback and private targets are allowed by default */
  hostIsLoopback: boolean;
  /** REQUIRE_HTTPS_TARGETS: `http:` only to loopback */
  requireHttps?: boolean | undefined;
}

const defaultPort = (url: URL): number => Number(url.port || (url.protocol === 'https:' ? 443 : 80));

/** a URL's host without the brackets of an IPv6 literal */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();

/**
 * The target policy: `checkUrl` at add time (and on TARGET_URL at start), `checkAddress` on every
 * address a host resolves to at attempt time. Each answers why a target is refused, or undefined.
 */
export class TargetPolicy {
  readonly #options: TargetPolicyOptions;
  readonly #hosts: readonly Extract<TargetEntry, { kind: 'host' }>[];
  readonly #ranges: readonly Extract<TargetEntry, { kind: 'range' }>[];

  constructor(options: TargetPolicyOptions) {
    this.#options = options;
    const allowed = options.allowed ?? [];
    this.#hosts = allowed.filter((entry) => entry.kind === 'host');
    this.#ranges = allowed.filter((entry) => entry.kind === 'range');
  }

  get hasAllowList(): boolean {
    return this.#options.allowed !== undefined;
  }

  #hostListed(host: string, port: number): boolean {
    return this.#hosts.some(
      (entry) => entry.host === host && (entry.port === undefined || entry.port === port),
    );
  }

  #rangeListed(address: string, port: number, within?: AddressClass): boolean {
    // an address embedding an IPv4 one is listed by a range of either form
    const forms = [address, embeddedIpv4(address)].filter((form) => form !== undefined);
    return this.#ranges.some((entry) => {
      if (entry.port !== undefined && entry.port !== port) return false;
      // a forbidden address counts as listed only by an entry inside its own class, never by 0.0.0.0/0
      if (within !== undefined && classifyAddress(entry.address) !== within) return false;
      const list = new BlockList();
      list.addSubnet(entry.address, entry.prefix, entry.family);
      return forms.some((form) => familyOf(form) === entry.family && list.check(form, entry.family));
    });
  }

  /** the static checks of a URL: scheme, metadata names, literal addresses, the allow list's names */
  checkUrl(url: URL): string | undefined {
    const host = hostOf(url);
    const port = defaultPort(url);
    const literal = familyOf(host) !== undefined;
    // localhost names as everywhere (contract); 0.0.0.0 and :: reach this host too
    const loopback = isLoopbackHost(host) || (literal && classifyAddress(host) === 'loopback');
    if (this.#options.requireHttps && url.protocol === 'http:' && !loopback) {
      return `${url.protocol}//${url.host} is plain http and REQUIRE_HTTPS_TARGETS=true allows http to loopback only`;
    }
    if (METADATA_HOSTS.includes(host) && !this.#hostListed(host, port)) {
      return `${host} is a cloud metadata service, refused unless ALLOWED_TARGETS lists it`;
    }
    if (literal) {
      return this.checkAddress(host, host, port);
    }
    return undefined;
  }

  /** whether `address`, which `host` resolved to (or is), may be connected to on `port` */
  checkAddress(address: string, host: string, port: number): string | undefined {
    const kind = classifyAddress(address);
    const named = host === address ? address : `${host} (${address})`;
    if (kind === 'metadata' || kind === 'link-local') {
      return this.#rangeListed(address, port, kind)
        ? undefined
        : `${named} is a ${kind === 'metadata' ? 'cloud metadata' : 'link-local'} address, refused unless ALLOWED_TARGETS lists it`;
    }
    if (this.hasAllowList) {
      return this.#hostListed(host, port) || this.#rangeListed(address, port)
        ? undefined
        : `${named} on port ${port} is not in ALLOWED_TARGETS`;
    }
    if ((kind === 'loopback' || kind === 'private') && !this.#options.hostIsLoopback) {
      return `${named} is a ${kind} address, refused by default when HOST is not loopback (list it in ALLOWED_TARGETS)`;
    }
    return undefined;
  }
}

/** the default endpoint port of a URL (80 or 443 unless given) */
export { defaultPort };
