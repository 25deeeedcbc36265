import { isIP } from 'node:net';
import { isLoopbackHost } from '@omni-webhooks/contract';
import type Koa from 'koa';

/** methods that change state: they must come from the sender's own pages or from a non-browser client */
export const STATE_CHANGING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

const bare = (name: string): string => name.toLowerCase().replace(/^\[|\]$/g, '');

/**
 * The names this sender answers to. A DNS-rebinding page reaches the sender under the attacker's own
 * name (`Host: evil.example:4000`), so only names the operator chose pass: IP literals (no DNS to
 * rebind), `localhost`, `HOST` and `ALLOWED_HOSTS`.
 */
export class SenderHostNames {
  readonly #names: Set<string>;

  constructor(host: string, allowedHosts: readonly string[] = []) {
    this.#names = new Set(allowedHosts.map(bare));
    if (!WILDCARD_HOSTS.has(host)) {
      this.#names.add(bare(host));
    }
  }

  allows(hostname: string): boolean {
    const name = bare(hostname);
    return isIP(name) !== 0 || isLoopbackHost(name) || this.#names.has(name);
  }

  /**
   * Why a state-changing request is refused as cross-site, or undefined. Browsers send
   * `Sec-Fetch-Site` and `Origin` with a POST or DELETE (a cross-site form post too); clients such
   * as curl send neither and pass on their token alone.
   */
  crossSiteReason(ctx: Koa.Context): string | undefined {
    const site = ctx.get('sec-fetch-site');
    if (site !== '' && site !== 'same-origin' && site !== 'none') {
      return `Sec-Fetch-Site: ${site.slice(0, 32)}`;
    }
    const origin = ctx.get('origin');
    if (origin === '') {
      return undefined;
    }
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      return `Origin: ${origin.slice(0, 64)}`;
    }
    if (parsed.origin === 'null') {
      return 'Origin: null';
    }
    // scheme, host and port, each: a page on another port of the same host is another origin. the
    // request's own origin is the connection's scheme and Host (X-Forwarded-Proto/-Host under TRUST_PROXY)
    let own: string;
    try {
      own = new URL(`${ctx.protocol}://${ctx.host}`).origin;
    } catch {
      return `Host: ${ctx.host.slice(0, 64)}`;
    }
    if (parsed.origin === own) {
      return undefined;
    }
    return `Origin: ${parsed.origin.slice(0, 64)}`;
  }
}
