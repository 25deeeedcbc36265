import { DEFAULT_SECRET_HEADER, DELIVERY_TIMEOUT_MS, isSigningKey } from '@omni-webhooks/contract';
import type { WebhookEventType } from '@omni-webhooks/schema';
import type { Middleware } from 'koa';
import { pino } from 'pino';
import { sourceMatcher } from './deployment/deployment-env.js';
import { createDriftRadar, type DriftRadar } from './drift/drift-radar.js';
import { admitDelivery } from './ingest/admission.js';
import { type AuthFailureLimiter, createAuthFailureLimiter } from './ingest/auth-failure-limiter.js';
import { defaultDedupeKey } from './ingest/dedupe-key.js';
import { ingestDelivery } from './ingest/ingest-delivery.js';
import { type IngestOutcome, toIngestResponse } from './ingest/ingest-responses.js';
import { reportIngestOutcome } from './ingest/report-outcome.js';
import { logError } from './log-values.js';
import { createReceiverMetrics, type ReceiverMetrics } from './metrics.js';
import { createEventWorker, type EventWorker } from './processing/event-worker.js';
import {
  type AnyEventHandler,
  type ErrorHandler,
  type EventHandler,
  HandlerRegistry,
} from './processing/handler-registry.js';
import { resolveReceiverOptions, type WebhookReceiverOptions } from './receiver-options.js';

export type { WebhookReceiverOptions } from './receiver-options.js';

export interface WebhookReceiver extends Middleware {
  on<T extends WebhookEventType>(type: T, handler: EventHandler<T>): WebhookReceiver;
  onAny(handler: AnyEventHandler): WebhookReceiver;
  onError(handler: ErrorHandler): WebhookReceiver;
  /** starts the worker that runs handlers on stored events */
  start(): void;
  /** stops the worker, letting running handlers finish for up to `timeoutMs`; does not close the store */
  stop(timeoutMs?: number): Promise<void>;
  readonly metrics: ReceiverMetrics;
  readonly worker: EventWorker;
  /** undefined with `drift: { detection: false }` */
  readonly driftRadar: DriftRadar | undefined;
  /** refused authentications per address (AUTH_FAILURE_LIMIT): the admin API counts wrong tokens here too */
  readonly authFailures: AuthFailureLimiter;
}

/**
 * koa middleware answering an omniai webhook delivery: mount it on your POST route.
 * the 200 is sent once the event is durable in `store`; handlers run afterwards, in the worker.
 */
export function createWebhookReceiver(options: WebhookReceiverOptions): WebhookReceiver {
  const { store } = options;
  const { auth, ingest, worker: workerOptions, drift, flat } = resolveReceiverOptions(options);
  const logger = options.logger ?? pino({ level: 'silent' });
  if (flat.length > 0) {
    logger.warn(
      { options: flat },
      'createWebhookReceiver: flat options are deprecated and go in the next release; use the auth, ingest, worker and drift groups',
    );
  }
  const metrics = options.metrics ?? createReceiverMetrics({ store, logger });
  const handlers = new HandlerRegistry();
  const radar =
    drift.detection === false ? undefined : createDriftRadar({ store, logger, registry: metrics.registry });
  const admission = {
    secrets: auth.secrets,
    secretHeader: (auth.secretHeader ?? DEFAULT_SECRET_HEADER).toLowerCase(),
    pathTokens: auth.pathTokens ?? [],
    unauthenticated: auth.unauthenticated ?? false,
    allowedSource: sourceMatcher(auth.allowedSourceCidrs ?? []),
    // a whsec_ secret stands for a signing key only when it is a valid one (as loadConfig demands)
    signingKeys: auth.signingKeys ?? auth.secrets.filter(isSigningKey),
    signatureMode: auth.signatureMode ?? (auth.signingKeys?.length ? 'required' : 'optional'),
    bodyLimit: ingest.bodyLimitBytes ?? 1024 * 1024,
    bodyTimeoutMs: ingest.bodyTimeoutMs ?? DELIVERY_TIMEOUT_MS + 1000,
    limiter: createAuthFailureLimiter({
      limit: auth.failureLimit ?? 20,
      windowMs: auth.failureWindowMs ?? 60_000,
    }),
  } as const;
  const settings = {
    store,
    validationMode: ingest.validationMode ?? 'lenient',
    dedupeKey: ingest.dedupeKey ?? defaultDedupeKey,
    secretHeader: admission.secretHeader,
    handoff: () => worker.reserve(),
    ...(radar ? { onStored: radar.observe } : {}),
    ...(ingest.dedupeWindowMs !== undefined ? { dedupeWindowMs: ingest.dedupeWindowMs } : {}),
    ...(ingest.checkJsonKeys === false ? { checkJsonKeys: false } : {}),
  } as const;
  const worker = createEventWorker({
    ...workerOptions,
    store,
    handlers,
    logger,
    metrics,
    validationMode: settings.validationMode,
  });

  const middleware: Middleware = async (ctx) => {
    const started = process.hrtime.bigint();
    let outcome: IngestOutcome;
    let closeConnection = false;
    let retryAfterMs: number | undefined;
    try {
      const { token } = (ctx as { params?: { token?: string } }).params ?? {};
      const admitted = await admitDelivery(admission, ctx.req, ctx.ip, token);
      if (admitted.admitted) {
        outcome = await ingestDelivery(settings, { headers: ctx.req.headers, rawBody: admitted.rawBody });
      } else {
        outcome = {
          code: admitted.code,
          ...(admitted.detail !== undefined ? { detail: admitted.detail } : {}),
        };
        closeConnection = admitted.closeConnection;
        retryAfterMs = admitted.retryAfterMs;
      }
    } catch (error) {
      // a bug here must still leave the sender retrying, never a lost event
      logger.error({ error: logError(error) }, 'ingest failed unexpectedly');
      outcome = { code: 'store_unavailable' };
    }
    const response = toIngestResponse(outcome);
    ctx.status = response.status;
    ctx.body = response.body;
    // a body left unread (or half read) cannot be skipped to reach a next request on this connection
    if (closeConnection) ctx.set('connection', 'close');
    if (retryAfterMs !== undefined)
      ctx.set('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));

    reportIngestOutcome(metrics, logger, { outcome, status: response.status, started });
    // an accepted event the store did not lease to this worker at insert waits for a claim: claim it now
    if (outcome.code === 'accepted' && !outcome.handedOver) worker.notify();
    if ('id' in outcome && outcome.code !== 'duplicate') ingest.onNewEvent?.();
  };

  const receiver = Object.assign(middleware, {
    on<T extends WebhookEventType>(type: T, handler: EventHandler<T>) {
      handlers.on(type, handler);
      return receiver;
    },
    onAny(handler: AnyEventHandler) {
      handlers.onAny(handler);
      return receiver;
    },
    onError(handler: ErrorHandler) {
      handlers.onError(handler);
      return receiver;
    },
    start: () => {
      worker.start();
      radar?.start();
    },
    stop: async (timeoutMs?: number) => {
      await worker.stop(timeoutMs);
      await radar?.stop();
    },
    metrics,
    worker,
    driftRadar: radar,
    authFailures: admission.limiter,
  }) as WebhookReceiver;
  return receiver;
}
