import { verifySecret } from '@omni-webhooks/contract';
import type { Middleware } from 'koa';
import type { AuthFailureLimiter } from '../ingest/auth-failure-limiter.js';

/**
 * bearer ADMIN_TOKEN, compared in constant time; without a configured token the read API is off.
 * a wrong or missing token counts in `failures` (the ingest route's limiter: one budget per address),
 * and an address past it is answered 429 until its window ends, unless its token is right
 */
export function requireAdminToken(adminToken: string | undefined, failures?: AuthFailureLimiter): Middleware {
  return async (ctx, next) => {
    if (!adminToken) {
      ctx.status = 403;
      ctx.body = { error: { code: 'admin_api_disabled', message: 'set ADMIN_TOKEN to enable the read API' } };
      return;
    }
    const match = /^Bearer (.+)$/i.exec(ctx.get('authorization'));
    if (!verifySecret(match?.[1], [adminToken])) {
      const retryAfterMs = failures?.retryAfterMs(ctx.ip);
      if (retryAfterMs !== undefined) {
        ctx.status = 429;
        ctx.set('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
        ctx.body = {
          error: { code: 'too_many_requests', message: 'too many failed authentications from this address' },
        };
        return;
      }
      failures?.recordFailure(ctx.ip);
      ctx.status = 401;
      ctx.set('www-authenticate', 'Bearer');
      ctx.body = { error: { code: 'unauthorized', message: 'missing or invalid bearer token' } };
      return;
    }
    await next();
  };
}
