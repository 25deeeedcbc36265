import type { Router } from '@koa/router';
import { z } from 'zod';
import { decodeFeedPosition, InvalidPositionError } from '../store/event-feed.js';
import type { InboxStore } from '../store/inbox-store.js';
import { requireAdminToken } from './admin-token.js';
import type { EventStreamHub } from './event-stream.js';

// GET /events/stream (admin token): where to start is, first found, the Last-Event-ID header (a
// reconnect), `?after=` (a position or an event id: what follows it), `?since=` (an ISO time), else now

const streamQuery = z.object({
  after: z.string().min(1).max(200).optional(),
  since: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
});

type Start = { position: string } | { error: { status: number; code: string; message: string } };

async function startOf(
  store: InboxStore,
  lastEventId: string,
  query: Record<string, unknown>,
): Promise<Start> {
  const parsed = streamQuery.safeParse(query);
  if (!parsed.success) {
    return {
      error: {
        status: 400,
        code: 'invalid_query',
        message: '`after` is a position or an event id, `since` an ISO-8601 time',
      },
    };
  }
  const after = lastEventId || parsed.data.after;
  if (after !== undefined) {
    try {
      decodeFeedPosition(after);
      return { position: after };
    } catch (error) {
      if (!(error instanceof InvalidPositionError)) throw error;
    }
    const position = await store.feedPosition({ afterEvent: after });
    if (position === undefined) {
      return {
        error: {
          status: 404,
          code: 'not_found',
          message: 'no stored event (or stream position) with this id',
        },
      };
    }
    return { position };
  }
  const position = await store.feedPosition(
    parsed.data.since ? { receivedSince: new Date(parsed.data.since) } : 'now',
  );
  return { position: position ?? '' };
}

/** registered ahead of `/events/:id`, which would take `stream` for an id */
export function mountEventStreamRoutes(
  router: Router,
  store: InboxStore,
  adminToken: string | undefined,
  hub: EventStreamHub,
): void {
  router.get('/events/stream', requireAdminToken(adminToken), async (ctx) => {
    const start = await startOf(store, ctx.get('last-event-id').trim(), ctx.query);
    if ('error' in start) {
      ctx.status = start.error.status;
      ctx.body = { error: { code: start.error.code, message: start.error.message } };
      return;
    }
    const served = hub.open(ctx.res, start.position);
    if (served === 'full' || served === 'closed') {
      ctx.status = 503;
      ctx.body = {
        error:
          served === 'full'
            ? { code: 'too_many_streams', message: 'MAX_EVENT_STREAMS streams are open already; retry later' }
            : { code: 'shutting_down', message: 'the receiver is stopping' },
      };
      return;
    }
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    // written by hand: koa would report each client that goes away as an error
    ctx.respond = false;
    await served;
  });
}
