import { setTimeout as sleep } from 'node:timers/promises';
import type Koa from 'koa';
import type { Logger } from 'pino';
import getRawBody from 'raw-body';
import { HttpError } from '../base/http-error.js';
import { ApiTokens, bearerToken } from './api-tokens.js';
import { type Actor, auditRecord } from './audit-log.js';
import {
  type ConsoleSession,
  ConsoleSessions,
  csrfTokenMatches,
  SESSION_COOKIE,
  SESSION_TTL_MS,
} from './console-sessions.js';
import { FailedSignIns, type FailedSignInsOptions } from './failed-sign-ins.js';
import { SenderHostNames, STATE_CHANGING_METHODS } from './request-origin.js';

/** a wrong token is answered after this long: guessing is slow even below the rate limit */
export const FAILURE_DELAY_MS = 300;
export const SESSION_PATH = '/console/session';
export const CSRF_HEADER = 'x-csrf-token';

export interface AccessControlOptions {
  /** SENDER_API_TOKEN; none: the API is open (the Host and Origin checks still apply) */
  tokens?: readonly string[] | undefined;
  /** the listen HOST and ALLOWED_HOSTS: the names the Host header may carry */
  host: string;
  allowedHosts?: readonly string[] | undefined;
  logger?: Logger | undefined;
  clock?: () => number;
  failureDelayMs?: number;
  failedSignIns?: FailedSignInsOptions;
  sessions?: { ttlMs?: number; max?: number };
}

export interface AccessControl {
  /** mount first, right after the error handler */
  middleware: Koa.Middleware;
  sessions: ConsoleSessions;
  failedSignIns: FailedSignIns;
}

// the page and its files load for anyone: the page shows the sign-in form; /healthz is for probes;
// a document link (SENDER_PUBLIC_URL) is pre-signed: its signature is the credential, checked by its route
const isPublic = (ctx: Koa.Context) =>
  (ctx.method === 'GET' || ctx.method === 'HEAD') &&
  (ctx.path === '/' || ctx.path.startsWith('/assets/') || ctx.path.startsWith('/documents/'));

async function readToken(ctx: Koa.Context): Promise<string> {
  if (!ctx.is('application/json')) {
    throw new HttpError(415, 'unsupported_media_type', 'send { "token": "..." } as application/json');
  }
  let body: unknown;
  try {
    body = JSON.parse(await getRawBody(ctx.req, { limit: '4kb', encoding: 'utf8' }));
  } catch {
    throw new HttpError(400, 'invalid_body', 'send { "token": "..." } as JSON (4 KiB at most)');
  }
  const token = (body as { token?: unknown } | null)?.token;
  if (typeof token !== 'string' || token === '') {
    throw new HttpError(400, 'invalid_body', 'send { "token": "..." } with the token as a string');
  }
  return token;
}

/**
 * The sender's front door, in order: `/healthz` passes; the Host must be one of the sender's names
 * (DNS rebinding); a state-changing request must not come from another site; then the caller must
 * hold a SENDER_API_TOKEN, as a bearer token or through a console session (whose state-changing
 * requests repeat the session's CSRF token). Each state-changing call is logged with who made it.
 */
export function createAccessControl(options: AccessControlOptions): AccessControl {
  const { logger } = options;
  const tokens = new ApiTokens(options.tokens ?? []);
  const hostNames = new SenderHostNames(options.host, options.allowedHosts);
  const sessions = new ConsoleSessions(options.sessions);
  const failedSignIns = new FailedSignIns(options.failedSignIns, options.clock);
  const failureDelayMs = options.failureDelayMs ?? FAILURE_DELAY_MS;

  const refuseWhileBlocked = (ctx: Koa.Context) => {
    const waitMs = failedSignIns.blockedFor(ctx.ip);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      ctx.set('retry-after', String(seconds));
      throw new HttpError(
        429,
        'too_many_failures',
        `too many wrong tokens from this address: try again in ${seconds} s`,
      );
    }
  };

  const refuseWrongToken = async (ctx: Koa.Context, via: Actor['via']): Promise<never> => {
    failedSignIns.recordFailure(ctx.ip);
    logger?.warn(
      { address: ctx.ip, via, action: `${ctx.method} ${ctx.path.slice(0, 200)}` },
      'refused a wrong API token',
    );
    await sleep(failureDelayMs);
    throw new HttpError(401, 'invalid_token', 'wrong token: it is not one of the SENDER_API_TOKEN values');
  };

  const sessionOf = (ctx: Koa.Context): { id: string; session: ConsoleSession } | undefined => {
    const id = ctx.cookies.get(SESSION_COOKIE);
    const session = sessions.get(id);
    return id && session ? { id, session } : undefined;
  };

  const authenticate = async (ctx: Koa.Context, stateChanging: boolean): Promise<Actor> => {
    if (!tokens.required) {
      return { label: 'anonymous', via: 'open' };
    }
    refuseWhileBlocked(ctx);
    const authorization = ctx.get('authorization');
    if (authorization !== '') {
      const token = bearerToken(authorization);
      const label = token === undefined ? undefined : tokens.match(token);
      return label ? { label, via: 'bearer' } : refuseWrongToken(ctx, 'bearer');
    }
    const signedIn = sessionOf(ctx);
    if (!signedIn) {
      ctx.set('www-authenticate', 'Bearer realm="omni-mock-sender"');
      throw new HttpError(
        401,
        'unauthorized',
        'this sender needs a token: send Authorization: Bearer <SENDER_API_TOKEN>, or sign in to the console',
      );
    }
    if (stateChanging && !csrfTokenMatches(signedIn.session, ctx.get(CSRF_HEADER))) {
      throw new HttpError(
        403,
        'csrf_token_mismatch',
        `a console request must carry its session's ${CSRF_HEADER}`,
      );
    }
    return { label: signedIn.session.tokenLabel, via: 'console', session: signedIn.session.label };
  };

  const audit = (ctx: Koa.Context, actor: Actor, status: number, message = 'audit') => {
    logger?.info({ audit: auditRecord(ctx, actor, status) }, message);
  };

  const consoleSession = async (ctx: Koa.Context) => {
    if (ctx.method === 'GET') {
      const signedIn = sessionOf(ctx);
      ctx.body = {
        required: tokens.required,
        signedIn: !tokens.required || signedIn !== undefined,
        ...(signedIn ? { csrfToken: signedIn.session.csrfToken, session: signedIn.session.label } : {}),
      };
      return;
    }
    if (ctx.method === 'POST') {
      if (!tokens.required) {
        throw new HttpError(
          409,
          'sign_in_not_needed',
          'this sender has no SENDER_API_TOKEN: nothing to sign in to',
        );
      }
      refuseWhileBlocked(ctx);
      const label = tokens.match(await readToken(ctx));
      if (!label) {
        return refuseWrongToken(ctx, 'console');
      }
      const { id, session } = sessions.start(label);
      ctx.cookies.set(SESSION_COOKIE, id, {
        httpOnly: true,
        sameSite: 'strict',
        secure: ctx.secure,
        path: '/',
        maxAge: SESSION_TTL_MS,
        overwrite: true,
      });
      ctx.body = { required: true, signedIn: true, csrfToken: session.csrfToken, session: session.label };
      audit(ctx, { label, via: 'console', session: session.label }, 200, 'console sign-in');
      return;
    }
    if (ctx.method === 'DELETE') {
      const signedIn = sessionOf(ctx);
      if (signedIn && !csrfTokenMatches(signedIn.session, ctx.get(CSRF_HEADER))) {
        throw new HttpError(403, 'csrf_token_mismatch', `sign-out must carry the session's ${CSRF_HEADER}`);
      }
      if (signedIn) {
        sessions.end(signedIn.id);
        const { tokenLabel, label } = signedIn.session;
        audit(ctx, { label: tokenLabel, via: 'console', session: label }, 204, 'console sign-out');
      }
      ctx.cookies.set(SESSION_COOKIE, '', {
        httpOnly: true,
        sameSite: 'strict',
        secure: ctx.secure,
        path: '/',
        maxAge: 0,
      });
      ctx.status = 204;
      return;
    }
    throw new HttpError(405, 'method_not_allowed', `${ctx.method} is not allowed on ${SESSION_PATH}`);
  };

  const middleware: Koa.Middleware = async (ctx, next) => {
    if (ctx.path === '/healthz') {
      return next();
    }
    if (!hostNames.allows(ctx.hostname)) {
      throw new HttpError(
        403,
        'host_not_allowed',
        `Host ${ctx.hostname.slice(0, 64)} is not a name of this sender: add it to ALLOWED_HOSTS if a proxy uses it`,
      );
    }
    const stateChanging = STATE_CHANGING_METHODS.has(ctx.method);
    const crossSite = stateChanging ? hostNames.crossSiteReason(ctx) : undefined;
    if (crossSite) {
      logger?.warn(
        { address: ctx.ip, action: `${ctx.method} ${ctx.path.slice(0, 200)}`, crossSite },
        'refused a cross-site request',
      );
      throw new HttpError(
        403,
        'cross_site_request',
        `refused a cross-site request (${crossSite}): changes come from this sender's console or from a client with a token`,
      );
    }
    if (ctx.path === SESSION_PATH) {
      return consoleSession(ctx);
    }
    if (isPublic(ctx)) {
      return next();
    }
    const actor = await authenticate(ctx, stateChanging);
    if (!stateChanging) {
      return next();
    }
    try {
      await next();
      audit(ctx, actor, ctx.status);
    } catch (error) {
      audit(ctx, actor, error instanceof HttpError ? error.status : 500);
      throw error;
    }
  };

  return { middleware, sessions, failedSignIns };
}
