import { isLoopbackHost } from '@omni-webhooks/contract';
import { z } from 'zod';
import { booleanFlag } from '../base/field-schemas.js';

export const MIN_API_TOKEN_LENGTH = 16;
export const DEFAULT_MAX_LIVE_STREAMS = 50;

const commaList = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((value) => value.split(',').map((part) => part.trim()))
    .pipe(z.array(item).min(1));

// the messages never quote the value: it may be a token
const apiTokensSchema = commaList(
  z
    .string()
    .min(MIN_API_TOKEN_LENGTH, `each comma-separated token needs at least ${MIN_API_TOKEN_LENGTH} characters`)
    .regex(/^[\x21-\x7e]+$/, 'a token is printable ASCII without spaces (it travels in a header)'),
);

const hostNamesSchema = commaList(
  z
    .string()
    .regex(
      /^[a-z0-9.-]+$|^\[?[0-9a-f:.]+\]?$/i,
      'host names only, without scheme or port (e.g. sender.staging.example)',
    )
    .transform((name) => name.toLowerCase().replace(/^\[|\]$/g, '')),
);

/** the access-control rows of CONFIG_VARIABLES (config.ts reads them with the others) */
export const ACCESS_CONFIG_VARIABLES = {
  SENDER_API_TOKEN: {
    schema: apiTokensSchema.optional(),
    default: undefined,
    doc:
      'bearer token(s) every route requires but the public ones: `/healthz`, the console page (`GET /`, `/assets/*`, ' +
      'which shows the sign-in form) and its sign-in, and the signed document links (`GET`/`HEAD /documents/*`); ' +
      `${MIN_API_TOKEN_LENGTH}+ characters each, comma-separated for rotation; the web console signs in with it`,
  },
  ALLOW_UNAUTHENTICATED: {
    schema: booleanFlag,
    default: 'false',
    doc: '`true` lets a sender on a non-loopback `HOST` start without `SENDER_API_TOKEN` (logged as a warning)',
  },
  ALLOWED_HOSTS: {
    schema: hostNamesSchema.optional(),
    default: undefined,
    doc:
      'extra names the `Host` header may carry (comma-separated), e.g. the name a reverse proxy forwards; ' +
      'IP addresses, `localhost` and `HOST` are always allowed',
  },
  TRUST_PROXY: {
    schema: booleanFlag,
    default: 'false',
    doc:
      '`true` behind a reverse proxy: trust `X-Forwarded-Proto` (Secure cookie, the origin compared with `Origin`), ' +
      '`X-Forwarded-Host` and `X-Forwarded-For` (failed sign-ins are counted per client)',
  },
  MAX_LIVE_STREAMS: {
    schema: z.coerce.number().int().min(1).max(10_000),
    default: String(DEFAULT_MAX_LIVE_STREAMS),
    doc: 'live-feed streams (`GET /deliveries/stream`) open at once',
  },
} as const;

/**
 * Why this configuration must not start, or undefined: a sender reachable from other machines
 * without a token would let anyone send events signed with the team's secrets.
 */
export function unauthenticatedExposure(
  host: string,
  tokens: readonly string[] | undefined,
  allowUnauthenticated: boolean,
): string | undefined {
  if (isLoopbackHost(host) || (tokens?.length ?? 0) > 0 || allowUnauthenticated) {
    return undefined;
  }
  return (
    `HOST=${host} is reachable from other machines: set SENDER_API_TOKEN (${MIN_API_TOKEN_LENGTH}+ characters), ` +
    'or ALLOW_UNAUTHENTICATED=true to run without one'
  );
}
