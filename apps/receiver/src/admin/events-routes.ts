import type { Router } from '@koa/router';
import { safeParseWebhookEvent, type ValidationMode } from '@omni-webhooks/schema';
import { z } from 'zod';
import type { AuthFailureLimiter } from '../ingest/auth-failure-limiter.js';
import { reportedIssues } from '../ingest/validation-issues.js';
import {
  INBOX_STATUSES,
  type InboxAdmin,
  InvalidCursorError,
  type ListedEvent,
} from '../store/inbox-store.js';
import { requireAdminToken } from './admin-token.js';
import { mountEventsExportRoute } from './events-export-route.js';
import { invalidQuery } from './invalid-query.js';

export interface EventsRoutesOptions {
  /** the schema mode replays are validated with: the receiver's current one */
  validationMode: ValidationMode;
  /** an event was made received again: wake the worker */
  onRequeued?: (id: string) => void;
  /** a rejected event passes now and was requeued: new to the drift radar, which skips rejected ones */
  onRevalidated?: (type: string, body: unknown) => void;
  /** wrong admin tokens count here (the receiver's auth-failure limiter) */
  authFailures?: AuthFailureLimiter;
}

const REPLAYABLE: readonly string[] = ['rejected', 'failed'];

// pages with payloads are held in memory whole: a smaller bound keeps one at most 100 bodies
export const MAX_LIST_LIMIT = 10_000;
export const MAX_LIST_LIMIT_WITH_PAYLOAD = 100;

const listQuery = z
  .object({
    type: z.string().min(1).max(200).optional(),
    status: z.enum(INBOX_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_LIST_LIMIT).default(100),
    cursor: z.string().min(1).max(200).optional(),
    include: z.literal('payload').optional(),
  })
  .refine((query) => query.include !== 'payload' || query.limit <= MAX_LIST_LIMIT_WITH_PAYLOAD, {
    path: ['limit'],
    message: `must be at most ${MAX_LIST_LIMIT_WITH_PAYLOAD} with include=payload`,
  });

export function mountEventsRoutes(
  router: Router,
  store: InboxAdmin,
  adminToken: string | undefined,
  options: EventsRoutesOptions,
): void {
  const auth = requireAdminToken(adminToken, options.authFailures);

  mountEventsExportRoute(router, store, auth);
  router.get('/events', auth, async (ctx) => {
    const query = listQuery.safeParse(ctx.query);
    if (!query.success) return invalidQuery(ctx, query.error.issues);
    try {
      const { include, ...filters } = query.data;
      const page = await store.list({ ...filters, includePayload: include === 'payload' });
      ctx.body = { events: page.events.map(toApiEvent), nextCursor: page.nextCursor };
    } catch (error) {
      if (!(error instanceof InvalidCursorError)) throw error;
      ctx.status = 400;
      ctx.body = { error: { code: 'invalid_cursor', message: 'cursor is not one this API returned' } };
    }
  });

  router.get('/events/:id', auth, async (ctx) => {
    const event = await store.get(ctx.params.id ?? '');
    if (!event) {
      ctx.status = 404;
      ctx.body = { error: { code: 'not_found', message: 'no stored event with this id' } };
      return;
    }
    ctx.body = toApiEvent(event);
  });

  // after a schema fix: validate a rejected (or failed) event's raw payload again, and if it passes,
  // make it received so the worker runs it
  router.post('/events/:id/replay', auth, async (ctx) => {
    const event = await store.get(ctx.params.id ?? '');
    if (!event) {
      ctx.status = 404;
      ctx.body = { error: { code: 'not_found', message: 'no stored event with this id' } };
      return;
    }
    if (!REPLAYABLE.includes(event.status)) {
      ctx.status = 409;
      ctx.body = {
        error: {
          code: 'not_replayable',
          message: `only rejected or failed events replay; this one is ${event.status}`,
        },
      };
      return;
    }
    const body = parsePayload(event.payload);
    const validation = safeParseWebhookEvent(body, { mode: options.validationMode });
    if (!validation.success) {
      ctx.status = 409;
      ctx.body = {
        error: {
          code: 'still_invalid',
          message: 'the stored payload still fails the schema',
          issues: reportedIssues(validation.error.issues),
        },
      };
      return;
    }
    const requeued = await store.requeue(event.id);
    if (!requeued) {
      ctx.status = 409;
      ctx.body = { error: { code: 'not_replayable', message: 'the event changed status meanwhile' } };
      return;
    }
    options.onRequeued?.(requeued.id);
    // a failed event was stored received, and counted then
    if (event.status === 'rejected') options.onRevalidated?.(event.type, body);
    ctx.body = toApiEvent(requeued);
  });
}

function toApiEvent(event: ListedEvent): Record<string, unknown> {
  return {
    id: event.id,
    type: event.type,
    dedupeKey: event.dedupeKey,
    status: event.status,
    deliveryCount: event.deliveryCount,
    receivedAt: event.receivedAt,
    processedAt: event.processedAt,
    handlerAttempts: event.handlerAttempts,
    lastError: event.lastError,
    // cut again on the way out: rows stored before the bounds may hold megabytes of issues
    ...(event.issues ? { issues: reportedIssues(event.issues) } : {}),
    ...(event.payload === undefined ? {} : { payload: parsePayload(event.payload) }),
  };
}

function parsePayload(payload: string): unknown {
  try {
    return JSON.parse(payload);
  } catch {
    // kept raw; only json is ever stored, but never fail a read over it
    return payload;
  }
}
