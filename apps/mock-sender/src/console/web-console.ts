import Router from '@koa/router';
import { MAX_ATTEMPTS } from '@omni-webhooks/contract';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES } from '@omni-webhooks/schema';
import { BUILT_IN_SCENARIOS, builtInScenario, createFakeEvent } from '@omni-webhooks/schema/fixtures';
import type Koa from 'koa';
import type { Logger } from 'pino';
import { HttpError } from '../base/http-error.js';
import type { DeliveryEngine } from '../delivery/delivery-engine.js';
import type { PrepareEvent } from '../events/event-factory.js';
import { CONSOLE_ASSETS_DIR, type ConsoleAsset, loadConsoleAssets } from './console-assets.js';
import { DeliveryFeed } from './delivery-feed.js';

export interface WebConsoleOptions {
  engine: DeliveryEngine;
  logger?: Logger | undefined;
  /** the built page and browser code; `dist/console/assets` by default */
  assetsDir?: string | undefined;
  /** MAX_LIVE_STREAMS */
  maxStreams?: number | undefined;
  /** how long a live-feed client may leave messages untaken, and how long a stream lasts */
  stallMs?: number | undefined;
  maxAgeMs?: number | undefined;
  /** done to each sample, as POST /events does to a generated event (an edited sample keeps its link) */
  prepareEvent?: PrepareEvent | undefined;
}

export interface WebConsole {
  /** mount before the API routes */
  middleware: Koa.Middleware;
  feed: DeliveryFeed;
  /** ends the live streams: run before closing the server */
  close(): void;
}

// the page loads only its own files: no inline script or style, nothing from elsewhere
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

// a write answered 201/202/204 changed deliveries or endpoints: open consoles refresh
const WRITE_STATUSES = new Set([201, 202, 204]);

/** the web console at `GET /`: the page, its assets, event samples and the live delivery feed */
export function createWebConsole(options: WebConsoleOptions): WebConsole {
  const assetsDir = options.assetsDir ?? CONSOLE_ASSETS_DIR;
  const assets = loadConsoleAssets(assetsDir);
  if (!assets.has('index.html')) {
    options.logger?.warn({ assetsDir }, 'web console not built: GET / answers 503');
  }
  const feed = new DeliveryFeed(options.engine, {
    ...(options.maxStreams === undefined ? {} : { maxClients: options.maxStreams }),
    ...(options.stallMs === undefined ? {} : { stallMs: options.stallMs }),
    ...(options.maxAgeMs === undefined ? {} : { maxAgeMs: options.maxAgeMs }),
  });
  const router = new Router();

  const serve = (ctx: Koa.Context, asset: ConsoleAsset | undefined) => {
    if (!asset) {
      throw new HttpError(404, 'not_found', `no console asset ${ctx.path}`);
    }
    ctx.set(PAGE_HEADERS);
    ctx.type = asset.contentType;
    ctx.body = asset.body;
  };

  router.get('/', (ctx) => {
    if (!assets.has('index.html')) {
      throw new HttpError(
        503,
        'console_not_built',
        `the web console is not built (${assetsDir}): run pnpm --filter @omni-webhooks/mock-sender build`,
      );
    }
    serve(ctx, assets.get('index.html'));
  });

  router.get('/assets/:name', (ctx) => serve(ctx, assets.get(ctx.params.name ?? '')));

  router.get('/console/settings', (ctx) => {
    const scenarios = BUILT_IN_SCENARIOS.map((name) => ({
      name,
      description: builtInScenario(name).description ?? '',
    }));
    ctx.body = { eventTypes: WEBHOOK_EVENT_TYPES, maxAttempts: MAX_ATTEMPTS, scenarios };
  });

  router.get('/events/sample', (ctx) => {
    const type = ctx.query.event;
    if (!isWebhookEventType(type)) {
      throw new HttpError(400, 'unknown_event', `?event= must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`);
    }
    const sample = createFakeEvent(type) as Record<string, unknown>;
    ctx.body = { payload: options.prepareEvent?.(sample, { type, overrides: undefined }) ?? sample };
  });

  // registered ahead of the API router, so `stream` is never read as a delivery id
  router.get('/deliveries/stream', (ctx) => {
    const stream = feed.open();
    if (stream === 'closed') {
      throw new HttpError(503, 'shutting_down', 'the sender is stopping');
    }
    if (stream === 'full') {
      throw new HttpError(
        503,
        'too_many_streams',
        `${feed.maxClients} live streams are open already (MAX_LIVE_STREAMS): close a console tab and try again`,
      );
    }
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    // written by hand: koa's pipeline would report every closed browser tab as an error
    ctx.status = 200;
    ctx.respond = false;
    ctx.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      // not kept alive: when close() ends the stream the socket goes too, so the server can stop
      connection: 'close',
    });
    stream.pipe(ctx.res);
    ctx.res.once('close', () => stream.destroy());
    // pipe() leaves the response open when the feed drops this stream (a client too far behind): its
    // socket would stay, and server.close() wait on it forever. destroyed without an error: not logged
    stream.once('close', () => {
      if (!stream.readableEnded) {
        ctx.res.destroy();
      }
    });
  });

  const routes = router.routes();
  const middleware: Koa.Middleware = async (ctx, next) => {
    // the router sets ctx.params itself; its type only asks for them up front
    await routes(ctx as Parameters<typeof routes>[0], next);
    if (ctx.method !== 'GET' && WRITE_STATUSES.has(ctx.status)) {
      feed.publish({ type: 'change', data: { method: ctx.method, path: ctx.path } });
    }
  };
  return { middleware, feed, close: () => feed.close() };
}
