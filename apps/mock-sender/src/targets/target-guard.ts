import { lookup as dnsLookup } from 'node:dns/promises';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { defaultPort, hostOf, TargetPolicy } from './target-policy.js';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** resolves a host name to its addresses; dns.lookup (the os resolver, as fetch uses) by default */
export type ResolveHost = (host: string) => Promise<ResolvedAddress[]>;

const systemResolve: ResolveHost = (host) => dnsLookup(host, { all: true, verbatim: true });

export class TargetRefusedError extends Error {
  override readonly name = 'TargetRefusedError';
}

export interface TargetGuardOptions {
  policy?: TargetPolicy | undefined;
  resolveHost?: ResolveHost | undefined;
  /** PEM certificates trusted besides the system's (TARGET_CA_FILE), for a staging receiver's private CA */
  extraCa?: string | undefined;
}

/**
 * Where deliveries may go, enforced where the connection is made: each request's lookup checks every
 * address a host resolves to, at each attempt, and the socket connects to that checked address, so a
 * name that passed when the endpoint was added and resolves elsewhere later (dns rebinding) is refused.
 * Without a policy: the default of a sender on loopback (anything but link-local and cloud metadata).
 */
export class TargetGuard {
  readonly policy: TargetPolicy;
  readonly #resolve: ResolveHost;
  readonly http: HttpAgent;
  readonly https: HttpsAgent;

  constructor(options: TargetGuardOptions = {}) {
    this.policy = options.policy ?? new TargetPolicy({ hostIsLoopback: true });
    this.#resolve = options.resolveHost ?? systemResolve;
    this.http = new HttpAgent({ keepAlive: true });
    this.https = new HttpsAgent({
      keepAlive: true,
      ...(options.extraCa === undefined ? {} : { ca: [...rootCertificates, options.extraCa] }),
    });
  }

  /** the addresses `host` resolves to, each allowed on `port`; throws TargetRefusedError otherwise */
  async resolveAllowed(host: string, port: number): Promise<ResolvedAddress[]> {
    const addresses = await this.#resolve(host);
    for (const { address } of addresses) {
      const refused = this.policy.checkAddress(address, host, port);
      if (refused) {
        throw new TargetRefusedError(`target refused: ${refused}`);
      }
    }
    return addresses;
  }

  /**
   * The add-time check: the URL itself, then what its host resolves to now. A name that does not
   * resolve yet passes: its addresses are checked at each attempt anyway.
   */
  async checkTarget(url: URL): Promise<string | undefined> {
    const refused = this.policy.checkUrl(url);
    if (refused !== undefined || isIP(hostOf(url)) !== 0) {
      return refused;
    }
    try {
      await this.resolveAllowed(hostOf(url), defaultPort(url));
    } catch (error) {
      if (error instanceof TargetRefusedError) {
        return error.message.replace(/^target refused: /, '');
      }
    }
    return undefined;
  }

  /** the attempt-time check of the URL itself (an address host is never looked up, so it is checked here) */
  checkUrl(url: URL): void {
    const refused = this.policy.checkUrl(url);
    if (refused !== undefined) {
      throw new TargetRefusedError(`target refused: ${refused}`);
    }
  }

  agentFor(url: URL): HttpAgent | HttpsAgent {
    return url.protocol === 'https:' ? this.https : this.http;
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }

  /**
   * The `lookup` of one request to `port`: net.connect calls it for host names (never for addresses)
   * and connects to the address it answers, which was checked here. A pooled socket was checked when
   * it connected.
   */
  lookupFor(port: number): LookupFunction {
    return ((hostname: string, options: { all?: boolean }, callback: unknown) => {
      const done = callback as (
        error: Error | null,
        address: string | ResolvedAddress[],
        family?: number,
      ) => void;
      this.resolveAllowed(hostname, port).then(
        (addresses) => {
          const [first] = addresses;
          if (!first) {
            done(new TargetRefusedError(`target refused: ${hostname} resolved to no address`), '');
          } else if (options.all) {
            done(null, addresses);
          } else {
            done(null, first.address, first.family);
          }
        },
        (error: Error) => done(error, ''),
      );
    }) as LookupFunction;
  }
}
