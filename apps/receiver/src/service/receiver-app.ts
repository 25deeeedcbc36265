import { Router } from '@koa/router';
import type { ValidationMode } from '@omni-webhooks/schema';
import Koa from 'koa';
import type { Logger } from 'pino';
import { mountDriftRoutes } from '../admin/drift-routes.js';
import type { EventStreamHub } from '../admin/event-stream.js';
import { mountEventStreamRoutes } from '../admin/event-stream-routes.js';
import { mountEventsRoutes } from '../admin/events-routes.js';
import { loggedPath } from '../deployment/logged-path.js';
import { logError, logValue } from '../log-values.js';
import type { InboxStore } from '../store/inbox-store.js';
import type { WebhookReceiver } from '../webhook-receiver.js';

export const WEBHOOK_PATH = '/webhooks/omniai';

export interface ReceiverAppOptions {
  receiver: WebhookReceiver;
  store: InboxStore;
  logger: Logger;
  adminToken: string | undefined;
  /** the schema mode `POST /events/:id/replay` validates with; default lenient, as the receiver's */
  validationMode?: ValidationMode;
  /** behind a reverse proxy: `ctx.ip` is the last X-Forwarded-For entry */
  trustProxy?: boolean;
  /** serves GET /events/stream; without it the route is not mounted */
  eventStreams?: EventStreamHub;
}

/** the standalone service: ingest route, health, readiness, metrics and the read API */
export function createReceiverApp({
  receiver,
  store,
  logger,
  adminToken,
  validationMode = 'lenient',
  trustProxy = false,
  eventStreams,
}: ReceiverAppOptions): Koa {
  const app = new Koa({ proxy: trustProxy, maxIpsCount: 1 });
  app.silent = true;
  const router = new Router();

  router.post(WEBHOOK_PATH, receiver);
  // the token is a credential: it never reaches a log line, a metric label or an answer
  router.post(`${WEBHOOK_PATH}/:token`, receiver);
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    try {
      await store.ping();
      ctx.body = { status: 'ready' };
    } catch {
      ctx.status = 503;
      ctx.body = { error: { code: 'store_unavailable', message: 'event store unreachable' } };
    }
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = receiver.metrics.registry.contentType;
    ctx.body = await receiver.metrics.registry.metrics();
  });
  mountDriftRoutes(router, store, adminToken, {
    flushDrift: () => receiver.driftRadar?.flush() ?? Promise.resolve(),
    authFailures: receiver.authFailures,
  });
  if (eventStreams) mountEventStreamRoutes(router, store, adminToken, eventStreams);
  mountEventsRoutes(router, store, adminToken, {
    validationMode,
    onRequeued: () => receiver.worker.notify(),
    onRevalidated: (type, body) => receiver.driftRadar?.observe(type, body),
    authFailures: receiver.authFailures,
  });

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const path = loggedPath(ctx.path);
      // an error may quote the path (a param that does not decode): only its name when a token was in it
      const text = path === ctx.path ? logError(error) : error instanceof Error ? error.name : 'error';
      logger.error({ error: text, path: logValue(path) }, 'request failed');
      ctx.status = 500;
      ctx.body = { error: { code: 'internal_error', message: 'internal error' } };
    }
    if (ctx.status === 404 && ctx.body === undefined) {
      ctx.status = 404;
      ctx.body = { error: { code: 'not_found', message: 'no such route' } };
    }
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
