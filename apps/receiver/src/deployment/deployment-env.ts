import { BlockList, isIP } from 'node:net';
import { isLoopbackHost, parseSecretList } from '@omni-webhooks/contract';
import { z } from 'zod';

// the variables of a real deployment (issue 19): path-token auth, the no-credential escape, source
// addresses, the event stream bound and retention. kept apart from config.ts, which spreads them in

/** shortest path token: it is the whole credential, and travels in every request line */
export const MIN_PATH_TOKEN_LENGTH = 32;
// unreserved url characters only, so the token reads the same in the url, encoded or not
const PATH_TOKEN = /^[A-Za-z0-9._~-]+$/;

export const AUTH_MODES = ['credentials', 'none'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const deploymentEnvShape = {
  WEBHOOK_PATH_TOKEN: z
    .string()
    .transform((value) => parseSecretList(value))
    .pipe(
      z
        .array(
          z
            .string()
            .min(MIN_PATH_TOKEN_LENGTH, `each token must be at least ${MIN_PATH_TOKEN_LENGTH} characters`)
            .regex(PATH_TOKEN, 'each token may hold only A-Z a-z 0-9 . _ ~ -'),
        )
        .min(1, 'must hold at least one non-blank token'),
    )
    .optional()
    .describe(
      `token(s) accepted in the URL, \`POST /webhooks/omniai/<token>\`, for a sender that sends no secret; comma-separated during a rotation, each at least ${MIN_PATH_TOKEN_LENGTH} characters of A-Z a-z 0-9 . _ ~ -`,
    ),
  AUTH_MODE: z
    .enum(AUTH_MODES)
    .default('credentials')
    .describe(
      '`credentials`: a delivery needs the secret header, a path token or a signature; `none`: every delivery is taken unauthenticated (development only, refused on a non-loopback `HOST`)',
    ),
  ALLOWED_SOURCE_CIDRS: z
    .string()
    .transform((value, context) => {
      const ranges = parseSecretList(value);
      for (const range of ranges) {
        if (!parseCidr(range)) {
          context.addIssue({ code: 'custom', message: `${range.slice(0, 64)} is not an IPv4 or IPv6 CIDR` });
        }
      }
      return ranges;
    })
    .optional()
    .describe(
      'deliveries only from these addresses (comma-separated IPv4/IPv6 CIDRs, e.g. OmniAI egress ranges); others are answered 403 before their body is read',
    ),
  TRUST_PROXY: z
    .enum(['true', 'false'])
    .default('false')
    .describe(
      '`true` behind a reverse proxy: the client address (source allow-list, failure limit) is the last `X-Forwarded-For` entry',
    ),
  MAX_EVENT_STREAMS: integer(1, 10_000)
    .default(20)
    .describe('`GET /events/stream` subscribers at once; one more is answered 503'),
  RETENTION_DAYS: integer(0, 36_500)
    .default(30)
    .describe(
      '`processed` and `ignored` events received longer ago than this are deleted (in small batches, off the ingest path); `0` keeps them for ever',
    ),
  RETENTION_FAILED_DAYS: integer(0, 36_500)
    .default(90)
    .describe('`failed` and `rejected` events are kept this long, unless replayed; `0` keeps them for ever'),
};

export interface DeploymentConfig {
  pathTokens: string[];
  authMode: AuthMode;
  /** empty: every address */
  allowedSourceCidrs: string[];
  trustProxy: boolean;
  maxEventStreams: number;
  retentionDays: number;
  retentionFailedDays: number;
}

interface DeploymentEnv {
  HOST: string;
  WEBHOOK_SECRET?: string[] | undefined;
  WEBHOOK_SIGNING_KEYS?: string[] | undefined;
  WEBHOOK_PATH_TOKEN?: string[] | undefined;
  AUTH_MODE: AuthMode;
}

/** a delivery needs some credential, unless AUTH_MODE=none says otherwise on a loopback address */
export function checkCredentials(env: DeploymentEnv, context: z.RefinementCtx): void {
  const configured = Boolean(
    env.WEBHOOK_SECRET?.length || env.WEBHOOK_SIGNING_KEYS?.length || env.WEBHOOK_PATH_TOKEN?.length,
  );
  if (env.AUTH_MODE === 'none') {
    if (!isLoopbackHost(env.HOST)) {
      context.addIssue({
        code: 'custom',
        path: ['AUTH_MODE'],
        message: `none is refused on HOST ${env.HOST.slice(0, 64)}: unauthenticated deliveries only on a loopback address (127.0.0.1, ::1, localhost)`,
      });
    }
    if (configured) {
      context.addIssue({
        code: 'custom',
        path: ['AUTH_MODE'],
        message:
          'none while WEBHOOK_SECRET, WEBHOOK_PATH_TOKEN or WEBHOOK_SIGNING_KEYS is set: unset them or AUTH_MODE',
      });
    }
    return;
  }
  if (!configured) {
    context.addIssue({
      code: 'custom',
      path: ['WEBHOOK_SECRET'],
      message:
        'no credential: set WEBHOOK_SECRET (a secret header), WEBHOOK_PATH_TOKEN (a token in the URL) or WEBHOOK_SIGNING_KEYS (signatures); AUTH_MODE=none turns authentication off on a loopback HOST',
    });
  }
}

export function deploymentConfig(env: {
  WEBHOOK_PATH_TOKEN?: string[] | undefined;
  AUTH_MODE: AuthMode;
  ALLOWED_SOURCE_CIDRS?: string[] | undefined;
  TRUST_PROXY: 'true' | 'false';
  MAX_EVENT_STREAMS: number;
  RETENTION_DAYS: number;
  RETENTION_FAILED_DAYS: number;
}): DeploymentConfig {
  return {
    pathTokens: env.WEBHOOK_PATH_TOKEN ?? [],
    authMode: env.AUTH_MODE,
    allowedSourceCidrs: env.ALLOWED_SOURCE_CIDRS ?? [],
    trustProxy: env.TRUST_PROXY === 'true',
    maxEventStreams: env.MAX_EVENT_STREAMS,
    retentionDays: env.RETENTION_DAYS,
    retentionFailedDays: env.RETENTION_FAILED_DAYS,
  };
}

/** `10.0.0.0/8`, `2001:db8::/32`, or a single address */
export function parseCidr(
  range: string,
): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', prefixText, ...rest] = range.trim().split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return undefined;
  const max = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** a matcher of client addresses against the ranges; an ipv4-mapped ipv6 address counts as its ipv4 */
export function sourceMatcher(ranges: readonly string[]): ((address: string) => boolean) | undefined {
  if (ranges.length === 0) return undefined;
  const list = new BlockList();
  for (const range of ranges) {
    const cidr = parseCidr(range);
    if (cidr) list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return (address) => {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    const bare = mapped ?? address;
    const version = isIP(bare);
    if (version === 0) return false;
    return list.check(bare, version === 4 ? 'ipv4' : 'ipv6');
  };
}
