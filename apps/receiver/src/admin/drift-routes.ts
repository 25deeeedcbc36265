import type { Router } from '@koa/router';
import type { DriftResponse } from '@omni-webhooks/contract';
import { DRIFT_KINDS } from '@omni-webhooks/schema';
import { z } from 'zod';
import type { AuthFailureLimiter } from '../ingest/auth-failure-limiter.js';
import type { DriftRecord } from '../store/drift-records.js';
import type { DriftStore, InboxReader } from '../store/inbox-store.js';
import { requireAdminToken } from './admin-token.js';
import { invalidQuery } from './invalid-query.js';

export interface DriftRoutesOptions {
  /** writes this process's pending drift counts first, so a read sees them */
  flushDrift?: () => Promise<void>;
  /** wrong admin tokens count here (the receiver's auth-failure limiter) */
  authFailures?: AuthFailureLimiter;
}

export const MAX_DRIFT_LIMIT = 10_000;

const driftQuery = z.object({
  type: z.string().min(1).max(256).optional(),
  kind: z.enum(DRIFT_KINDS).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_DRIFT_LIMIT).default(1000),
});

/** `GET /drift` */
export function mountDriftRoutes(
  router: Router,
  store: DriftStore & InboxReader,
  adminToken: string | undefined,
  options: DriftRoutesOptions = {},
): void {
  const auth = requireAdminToken(adminToken, options.authFailures);

  router.get('/drift', auth, async (ctx) => {
    const query = driftQuery.safeParse(ctx.query);
    if (!query.success) return invalidQuery(ctx, query.error.issues);
    await options.flushDrift?.();
    const rows: DriftRecord[] = await store.listDrift(query.data);
    const body: DriftResponse = { drift: rows };
    ctx.body = body;
  });
}
