import { Readable } from 'node:stream';
import type { Router } from '@koa/router';
import { DRIFT_KINDS } from '@omni-webhooks/schema';
import type { Context } from 'koa';
import { z } from 'zod';
import type { AuthFailureLimiter } from '../ingest/auth-failure-limiter.js';
import type { DriftRecord } from '../store/drift-records.js';
import type { InboxStore, StoredEvent } from '../store/inbox-store.js';
import { requireAdminToken } from './admin-token.js';

export interface DriftRoutesOptions {
  /** writes this process's pending drift counts first, so a read sees them */
  flushDrift?: () => Promise<void>;
  /** wrong admin tokens count here (the receiver's auth-failure limiter) */
  authFailures?: AuthFailureLimiter;
}

export const MAX_DRIFT_LIMIT = 10_000;
// a page of bodies is held in memory while it streams out: at most this many
const EXPORT_PAGE = 100;

const driftQuery = z.object({
  type: z.string().min(1).max(256).optional(),
  kind: z.enum(DRIFT_KINDS).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_DRIFT_LIMIT).default(1000),
});

const exportQuery = z.object({
  type: z.string().min(1).max(256).optional(),
  since: z
    .union([z.iso.datetime({ offset: true }), z.iso.date()], {
      error: 'must be an ISO-8601 date or date-time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z',
    })
    .transform((value) => new Date(value))
    .optional(),
});

/** one line of `GET /events/export`: `body` is the payload exactly as received, for a byte-exact replay */
export interface ExportLine {
  id: string;
  type: string;
  status: StoredEvent['status'];
  receivedAt: string;
  dedupeKey: string;
  body: string;
}

function invalidQuery(ctx: Context, issues: z.core.$ZodIssue[]): void {
  ctx.status = 400;
  ctx.body = {
    error: {
      code: 'invalid_query',
      message: 'invalid query parameters',
      issues: issues.map((issue) => ({ path: issue.path, message: issue.message, code: issue.code })),
    },
  };
}

/** `GET /drift` and `GET /events/export`; mount before `/events/:id`, which would take `export` as an id */
export function mountDriftRoutes(
  router: Router,
  store: InboxStore,
  adminToken: string | undefined,
  options: DriftRoutesOptions = {},
): void {
  const auth = requireAdminToken(adminToken, options.authFailures);

  router.get('/drift', auth, async (ctx) => {
    const query = driftQuery.safeParse(ctx.query);
    if (!query.success) return invalidQuery(ctx, query.error.issues);
    await options.flushDrift?.();
    const rows: DriftRecord[] = await store.listDrift(query.data);
    ctx.body = { drift: rows };
  });

  router.get('/events/export', auth, async (ctx) => {
    const query = exportQuery.safeParse(ctx.query);
    if (!query.success) return invalidQuery(ctx, query.error.issues);
    const filters = query.data;
    // the first page is read before the 200, so a store outage is an error status, not a cut stream
    const first = await store.exportEvents({ ...filters, limit: EXPORT_PAGE });
    async function* lines() {
      let page = first;
      for (;;) {
        for (const event of page.events) yield `${JSON.stringify(toExportLine(event))}\n`;
        if (!page.nextCursor) return;
        page = await store.exportEvents({ ...filters, cursor: page.nextCursor, limit: EXPORT_PAGE });
      }
    }
    ctx.type = 'application/x-ndjson';
    ctx.body = Readable.from(lines());
  });
}

function toExportLine(event: StoredEvent): ExportLine {
  return {
    id: event.id,
    type: event.type,
    status: event.status,
    receivedAt: event.receivedAt,
    dedupeKey: event.dedupeKey,
    body: event.payload,
  };
}
