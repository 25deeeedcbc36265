import Router from '@koa/router';
import { WEBHOOK_EVENT_TYPES } from '@omni-webhooks/schema';
import Koa from 'koa';
import type { Logger } from 'pino';
import getRawBody from 'raw-body';
import { z } from 'zod';
import { headerNameSchema, httpUrlSchema } from '../base/field-schemas.js';
import { HttpError, toIssues } from '../base/http-error.js';
import type { DeliveryEngine } from '../delivery/delivery-engine.js';
import { dispatchEvents, dispatchRedelivery } from '../dispatch/dispatch.js';
import { type EndpointRegistry, endpointView } from '../endpoints/endpoint-registry.js';
import { resolveSigningKey, signingKeySchema } from '../endpoints/signing-key.js';
import {
  buildEvents,
  MAX_EVENTS_PER_REQUEST,
  type PrepareEvent,
  payloadIssues,
} from '../events/event-factory.js';
import { DELIVERY_STATES, InvalidCursorError, type Outbox } from '../outbox/outbox.js';
import type { ScenarioRuns } from '../scenarios/scenario-runs.js';
import { TargetGuard } from '../targets/target-guard.js';
import {
  checkEndpointCount,
  checkEventBytes,
  checkEventCount,
  DEFAULT_REQUEST_LIMITS,
  MAX_EVENTS_WITH_PAYLOAD,
  type RequestLimits,
} from './request-limits.js';
import { registerScenarioRoutes } from './scenario-routes.js';

export const MAX_PAGE_SIZE = 10_000;
/** a page with payloads and response bodies holds at most this many */
export const MAX_PAGE_SIZE_WITH_PAYLOAD = 100;

export interface HttpApiOptions {
  outbox: Outbox;
  endpoints: EndpointRegistry;
  engine: DeliveryEngine;
  logger?: Logger | undefined;
  clock?: () => number;
  /** mounted before the API routes: the web console's page, assets and live feed */
  console?: Koa.Middleware | undefined;
  /** mounted after the console: `GET /documents/:id/:filename` (document-routes.ts), with SENDER_PUBLIC_URL */
  documents?: Koa.Middleware | undefined;
  /** done to each generated event (the sender's own document links) */
  prepareEvent?: PrepareEvent | undefined;
  /** mounted first after the error handler: Host, Origin and token checks, the audit log (access/) */
  access?: Koa.Middleware | undefined;
  /** behind a reverse proxy: X-Forwarded-Proto and the proxy's X-Forwarded-For entry are believed */
  trustProxy?: boolean | undefined;
  /** DEFAULT_REQUEST_LIMITS unless given */
  limits?: RequestLimits | undefined;
  /** the target policy endpoints are checked against when added; anything but link-local and metadata unless given */
  targets?: TargetGuard | undefined;
  /** `/scenarios` routes (scenario-routes.ts) when given */
  scenarioRuns?: ScenarioRuns | undefined;
}

const jsonObject = z.record(z.string(), z.unknown());

const postEventsBody = z.strictObject({
  event: z.string().min(1),
  payload: jsonObject.optional(),
  overrides: jsonObject.optional(),
  count: z.number().int().min(1).max(MAX_EVENTS_PER_REQUEST).optional(),
  allowInvalid: z.boolean().optional(),
  endpointId: z.string().min(1).optional(),
});

const postEventsQuery = z.object({ include: z.literal('payload').optional() });

const validateEventBody = z.strictObject({ event: z.string().min(1), payload: jsonObject });

// as the receiver's GET /events: bodies only with include=payload, and then a smaller page
const listDeliveriesQuery = z
  .object({
    state: z.enum(DELIVERY_STATES).optional(),
    event: z.string().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(100),
    cursor: z.string().min(1).optional(),
    include: z.literal('payload').optional(),
  })
  .refine((query) => query.include !== 'payload' || query.limit <= MAX_PAGE_SIZE_WITH_PAYLOAD, {
    path: ['limit'],
    message: `must be at most ${MAX_PAGE_SIZE_WITH_PAYLOAD} with include=payload`,
  });

const postEndpointBody = z
  .strictObject({
    url: httpUrlSchema,
    secret: z.string().min(1).optional(),
    secretHeader: headerNameSchema.optional(),
    signingKey: signingKeySchema.optional(),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).optional(),
    sign: z.boolean().optional(),
  })
  .refine((body) => !body.sign || resolveSigningKey(body.signingKey, body.secret).key !== undefined, {
    message: 'signing needs a signingKey (whsec_...)',
    path: ['sign'],
  });

function parse<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new HttpError(400, 'invalid_request', `invalid ${what}`, toIssues(result.error.issues));
  }
  return result.data;
}

async function readJson(ctx: Koa.Context, limitBytes: number): Promise<unknown> {
  if (!ctx.is('application/json')) {
    throw new HttpError(415, 'unsupported_media_type', 'send the body as application/json');
  }
  let raw: string;
  try {
    raw = await getRawBody(ctx.req, { limit: limitBytes, encoding: 'utf8' });
  } catch (error) {
    if ((error as { status?: number }).status === 413) {
      // the rest of the body is never read: close rather than keep a half-read connection open
      ctx.set('connection', 'close');
      throw new HttpError(
        413,
        'payload_too_large',
        `the request body is over MAX_REQUEST_BYTES (${limitBytes} bytes)`,
      );
    }
    throw new HttpError(400, 'invalid_body', String(error));
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new HttpError(400, 'invalid_json', 'the body is not valid JSON');
  }
}

/** the mock sender's HTTP API (see the README); answers JSON, errors as `{ error: { code, message } }` */
export function createHttpApi(options: HttpApiOptions): Koa {
  const { outbox, endpoints, engine, logger } = options;
  const clock = options.clock ?? Date.now;
  const limits = options.limits ?? DEFAULT_REQUEST_LIMITS;
  const targets = options.targets ?? new TargetGuard();
  const readBody = (ctx: Koa.Context) => readJson(ctx, limits.requestBytes);
  const app = new Koa({ proxy: options.trustProxy ?? false, maxIpsCount: 1 });
  // as at the receiver: what reaches koa's own handler is a client gone or cut by the server's bounds
  // (a 408 node already answered); every error of a route is answered and logged below
  app.silent = true;
  const router = new Router();

  app.use(async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new HttpError(404, 'not_found', `no route for ${ctx.method} ${ctx.path}`);
      }
      if (ctx.status === 405) {
        throw new HttpError(405, 'method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}`);
      }
    } catch (error) {
      const httpError =
        error instanceof HttpError ? error : new HttpError(500, 'internal_error', 'internal error');
      if (!(error instanceof HttpError)) {
        logger?.error({ err: error, method: ctx.method, path: ctx.path }, 'request failed');
      }
      ctx.status = httpError.status;
      ctx.body = httpError.toBody();
    }
  });

  if (options.access) {
    app.use(options.access);
  }

  // a sender whose outbox was taken over sends nothing more: it reports unhealthy and refuses writes,
  // which would otherwise land in an outbox no running engine picks up
  app.use(async (ctx, next) => {
    if (engine.halted && ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      throw new HttpError(503, 'outbox_lost', 'another sender process took this outbox over: stop this one');
    }
    await next();
  });

  router.get('/healthz', (ctx) => {
    ctx.status = engine.halted ? 503 : 200;
    ctx.body = { status: engine.halted ? 'outbox_lost' : 'ok', running: engine.runningCount };
  });

  if (options.console) {
    app.use(options.console);
  }
  if (options.documents) {
    app.use(options.documents);
  }

  router.post('/events', async (ctx) => {
    const { include } = parse(postEventsQuery, ctx.query, 'query');
    const request = parse(postEventsBody, await readBody(ctx), 'POST /events body');
    checkEventCount(request.count ?? 1, limits);
    if (include === 'payload' && (request.count ?? 1) > MAX_EVENTS_WITH_PAYLOAD) {
      throw new HttpError(
        400,
        'invalid_request',
        `include=payload answers at most ${MAX_EVENTS_WITH_PAYLOAD} events; ask for fewer, or leave it out and read each from GET /deliveries/:id`,
      );
    }
    const registered = endpoints
      .list()
      .filter((endpoint) => request.endpointId === undefined || endpoint.id === request.endpointId);
    if (request.endpointId !== undefined && registered.length === 0) {
      throw new HttpError(404, 'not_found', `no endpoint ${request.endpointId}`);
    }
    if (registered.length === 0) {
      throw new HttpError(
        409,
        'no_endpoints',
        'no endpoint to deliver to: set TARGET_URL or register one with POST /endpoints',
      );
    }
    if (request.endpointId !== undefined && endpoints.targetsFor(request.event, registered).length === 0) {
      throw new HttpError(
        409,
        'not_subscribed',
        `endpoint ${request.endpointId} does not take ${request.event}`,
      );
    }
    const events = buildEvents(request, { prepareEvent: options.prepareEvent });
    checkEventBytes(events, limits);
    const deliveries = dispatchEvents(
      { outbox, engine },
      events,
      (event) => endpoints.targetsFor(event.type, registered),
      clock(),
    );
    ctx.status = 202;
    ctx.body = {
      // ids, not the payloads echoed: 100 copies of a large payload would make a response as large
      events: events.map((event) =>
        include === 'payload'
          ? { id: event.id, event: event.type, payload: JSON.parse(event.body) as unknown }
          : { id: event.id, event: event.type },
      ),
      deliveries,
    };
  });

  // what POST /events would say of this payload, without sending it (same schema mode)
  router.post('/events/validate', async (ctx) => {
    const { event, payload } = parse(validateEventBody, await readBody(ctx), 'POST /events/validate body');
    const issues = payloadIssues(event, payload);
    ctx.body = { valid: issues.length === 0, issues };
  });

  router.get('/deliveries', (ctx) => {
    const { include, ...query } = parse(listDeliveriesQuery, ctx.query, 'query');
    try {
      ctx.body = outbox.list({ ...query, includePayload: include === 'payload' });
    } catch (error) {
      if (error instanceof InvalidCursorError) {
        throw new HttpError(400, 'invalid_cursor', error.message);
      }
      throw error;
    }
  });

  router.get('/deliveries/:id', (ctx) => {
    const delivery = outbox.get(ctx.params.id ?? '');
    if (!delivery) {
      throw new HttpError(404, 'not_found', `no delivery ${ctx.params.id}`);
    }
    ctx.body = delivery;
  });

  router.post('/deliveries/:id/redeliver', (ctx) => {
    const delivery = dispatchRedelivery({ outbox, engine }, ctx.params.id ?? '', clock());
    if (!delivery) {
      throw new HttpError(404, 'not_found', `no delivery ${ctx.params.id}`);
    }
    ctx.status = 202;
    ctx.body = { delivery };
  });

  router.get('/endpoints', (ctx) => {
    ctx.body = { endpoints: endpoints.list().map(endpointView) };
  });

  router.post('/endpoints', async (ctx) => {
    const input = parse(postEndpointBody, await readBody(ctx), 'POST /endpoints body');
    checkEndpointCount(endpoints.count(), limits);
    const refused = await targets.checkTarget(new URL(input.url));
    if (refused !== undefined) {
      throw new HttpError(400, 'target_refused', `${input.url} is not an allowed target: ${refused}`, [
        { path: ['url'], message: refused },
      ]);
    }
    if (input.sign && resolveSigningKey(input.signingKey, input.secret).fromSecret) {
      logger?.warn(
        'endpoint signs with its whsec_ secret, which it also sends in clear: give it a signingKey (deprecated)',
      );
    }
    ctx.status = 201;
    ctx.body = endpointView(endpoints.add(input, clock()));
  });

  router.delete('/endpoints/:id', async (ctx) => {
    const id = ctx.params.id ?? '';
    if (!endpoints.remove(id)) {
      throw new HttpError(404, 'not_found', `no endpoint ${id}`);
    }
    // removed first, so no run starts to it meanwhile; a run playing to it would go on to its URL
    await options.scenarioRuns?.endpointRemoved(id);
    ctx.status = 204;
  });

  if (options.scenarioRuns) {
    registerScenarioRoutes(router, { runs: options.scenarioRuns, readBody });
  }

  app.use(router.routes());
  app.use(router.allowedMethods({ throw: false }));
  return app;
}
