import { Readable } from 'node:stream';
import type { Router } from '@koa/router';
import type { ExportLine } from '@omni-webhooks/contract';
import type { Middleware } from 'koa';
import { z } from 'zod';
import type { InboxReader, StoredEvent } from '../store/inbox-store.js';
import { invalidQuery } from './invalid-query.js';

// a page of bodies is held in memory while it streams out: at most this many
const EXPORT_PAGE = 100;

const exportQuery = z.object({
  type: z.string().min(1).max(256).optional(),
  since: z
    .union([z.iso.datetime({ offset: true }), z.iso.date()], {
      error: 'must be an ISO-8601 date or date-time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z',
    })
    .transform((value) => new Date(value))
    .optional(),
});

/** `GET /events/export`: mounted before `/events/:id`, which would take `export` as an id */
export function mountEventsExportRoute(router: Router, store: InboxReader, auth: Middleware): void {
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
