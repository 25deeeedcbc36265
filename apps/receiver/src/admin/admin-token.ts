import { verifySecret } from '@omni-webhooks/contract';
import type { Middleware } from 'koa';

/** bearer ADMIN_TOKEN, compared in constant time; without a configured token the read API is off */
export function requireAdminToken(adminToken: string | undefined): Middleware {
  return async (ctx, next) => {
    if (!adminToken) {
      ctx.status = 403;
      ctx.body = { error: { code: 'admin_api_disabled', message: 'set ADMIN_TOKEN to enable the read API' } };
      return;
    }
    const match = /^Bearer (.+)$/i.exec(ctx.get('authorization'));
    if (!verifySecret(match?.[1], [adminToken])) {
      ctx.status = 401;
      ctx.set('www-authenticate', 'Bearer');
      ctx.body = { error: { code: 'unauthorized', message: 'missing or invalid bearer token' } };
      return;
    }
    await next();
  };
}
