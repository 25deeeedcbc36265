import { DEFAULT_SECRET_HEADER, DELIVERY_TIMEOUT_MS, isSigningKey } from '@omni-webhooks/contract';
import { isWebhookEventType, type ValidationMode, type WebhookEventType } from '@omni-webhooks/schema';
import type { Middleware } from 'koa';
import { type Logger, pino } from 'pino';
import type { SignatureMode } from './config.js';
import { createDriftRadar, type DriftRadar } from './drift/drift-radar.js';
import { admitDelivery } from './ingest/admission.js';
import { type AuthFailureLimiter, createAuthFailureLimiter } from './ingest/auth-failure-limiter.js';
import { type DedupeKeyFunction, defaultDedupeKey } from './ingest/dedupe-key.js';
import { ingestDelivery } from './ingest/ingest-delivery.js';
import { type IngestOutcome, toIngestResponse } from './ingest/ingest-responses.js';
import { logError, logValue } from './log-values.js';
import { createReceiverMetrics, type ReceiverMetrics, typeLabel } from './metrics.js';
import { createEventWorker, type EventWorker } from './processing/event-worker.js';
import {
  type AnyEventHandler,
  type ErrorHandler,
  type EventHandler,
  HandlerRegistry,
} from './processing/handler-registry.js';
import type { InboxStore } from './store/inbox-store.js';

export interface WebhookReceiverOptions {
  store: InboxStore;
  /** accepted header secrets; several during a rotation */
  secrets: readonly string[];
  /** default `x-webhook-secret` */
  secretHeader?: string;
  /**
   * standard webhooks `whsec_` keys that signatures are checked with (several during a rotation).
   * default: the `whsec_` entries of `secrets` (deprecated: a key sent in clear as the secret)
   */
  signingKeys?: readonly string[];
  /**
   * off (secret header only), optional (secret header or a valid signature; a signature sent must be
   * valid) or required (a valid signature). default: required when `signingKeys` is given, else optional
   */
  signatureMode?: SignatureMode;
  /** a body not received whole within this is answered 408 (default 6000: a sender gives up after 5 s) */
  bodyTimeoutMs?: number;
  /** refused authentications per address and window before 429 (default 20 per 60 s; 0: no limit) */
  authFailureLimit?: number;
  authFailureWindowMs?: number;
  /** default lenient: unknown fields and enum values do not reject an event */
  validationMode?: ValidationMode;
  /** default 1 MiB */
  bodyLimitBytes?: number;
  /** default: `webhook-id` header, else sha-256 of the canonical json */
  dedupeKey?: DedupeKeyFunction;
  /** how long a `sha256:` (body hash) key dedupes; default one hour. `webhook-id` keys never expire */
  dedupeWindowMs?: number;
  logger?: Logger;
  metrics?: ReceiverMetrics;
  /** handler retries after the first failure (default 5), with exponential backoff from `handlerRetryBaseMs` */
  handlerMaxRetries?: number;
  handlerRetryBaseMs?: number;
  /** how long a claim is exclusive; renewed while its handlers run (default 60 000) */
  handlerLeaseMs?: number;
  /** an attempt running longer is aborted through `context.signal` and retried (default 30 000) */
  handlerTimeoutMs?: number;
  /** events whose handlers run at once (default 32) */
  handlerConcurrency?: number;
  pollIntervalMs?: number;
  /** default true: report what the strict schema would flag (`GET /drift`, metrics, a warn log) */
  driftDetection?: boolean;
  /** @internal default true; false only for the bench's before/after of the duplicate-key check */
  checkJsonKeys?: boolean;
}

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
  /** undefined with `driftDetection: false` */
  readonly driftRadar: DriftRadar | undefined;
  /** refused authentications per address (AUTH_FAILURE_LIMIT): the admin API counts wrong tokens here too */
  readonly authFailures: AuthFailureLimiter;
}

/**
 * koa middleware answering an omniai webhook delivery: mount it on your POST route.
 * the 200 is sent once the event is durable in `store`; handlers run afterwards, in the worker.
 */
export function createWebhookReceiver(options: WebhookReceiverOptions): WebhookReceiver {
  const logger = options.logger ?? pino({ level: 'silent' });
  const metrics = options.metrics ?? createReceiverMetrics({ store: options.store, logger });
  const handlers = new HandlerRegistry();
  const bodyLimit = options.bodyLimitBytes ?? 1024 * 1024;
  const radar =
    options.driftDetection === false
      ? undefined
      : createDriftRadar({ store: options.store, logger, registry: metrics.registry });
  const admission = {
    secrets: options.secrets,
    secretHeader: (options.secretHeader ?? DEFAULT_SECRET_HEADER).toLowerCase(),
    // a whsec_ secret stands for a signing key only when it is a valid one (as loadConfig demands)
    signingKeys: options.signingKeys ?? options.secrets.filter(isSigningKey),
    signatureMode: options.signatureMode ?? (options.signingKeys?.length ? 'required' : 'optional'),
    bodyLimit,
    bodyTimeoutMs: options.bodyTimeoutMs ?? DELIVERY_TIMEOUT_MS + 1000,
    limiter: createAuthFailureLimiter({
      limit: options.authFailureLimit ?? 20,
      windowMs: options.authFailureWindowMs ?? 60_000,
    }),
  } as const;
  const settings = {
    store: options.store,
    validationMode: options.validationMode ?? 'lenient',
    dedupeKey: options.dedupeKey ?? defaultDedupeKey,
    handoff: () => worker.reserve(),
    ...(radar ? { onStored: radar.observe } : {}),
    ...(options.dedupeWindowMs !== undefined ? { dedupeWindowMs: options.dedupeWindowMs } : {}),
    ...(options.checkJsonKeys === false ? { checkJsonKeys: false } : {}),
  } as const;
  const worker = createEventWorker({
    store: options.store,
    handlers,
    logger,
    metrics,
    validationMode: settings.validationMode,
    ...(options.handlerMaxRetries !== undefined ? { maxRetries: options.handlerMaxRetries } : {}),
    ...(options.handlerRetryBaseMs !== undefined ? { retryBaseMs: options.handlerRetryBaseMs } : {}),
    ...(options.handlerLeaseMs !== undefined ? { leaseMs: options.handlerLeaseMs } : {}),
    ...(options.handlerTimeoutMs !== undefined ? { handlerTimeoutMs: options.handlerTimeoutMs } : {}),
    ...(options.handlerConcurrency !== undefined ? { concurrency: options.handlerConcurrency } : {}),
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
  });

  const middleware: Middleware = async (ctx) => {
    const started = process.hrtime.bigint();
    let outcome: IngestOutcome;
    let closeConnection = false;
    let retryAfterMs: number | undefined;
    try {
      const admitted = await admitDelivery(admission, ctx.req, ctx.ip);
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

    const type = 'type' in outcome ? outcome.type : undefined;
    const label = typeLabel(type, isWebhookEventType);
    metrics.received.inc({ type: label, outcome: outcome.code });
    metrics.ackDuration.observe({ outcome: outcome.code }, Number(process.hrtime.bigint() - started) / 1e9);
    if ('id' in outcome) {
      const line = {
        id: outcome.id,
        type: logValue(outcome.type),
        outcome: outcome.code,
        deliveryCount: outcome.deliveryCount,
      };
      if (outcome.code === 'duplicate') metrics.duplicates.inc({ type: label });
      if (outcome.code === 'schema_validation_failed') {
        metrics.rejected.inc({ type: label });
        logger.warn({ ...line, issues: outcome.issues.length }, 'event stored as rejected');
      } else {
        logger.info(line, outcome.code === 'duplicate' ? 'duplicate delivery' : 'event stored');
      }
      if (outcome.code === 'accepted' && !outcome.handedOver) worker.notify();
    } else if (outcome.code === 'dedupe_key_failed') {
      // the error only: the body may hold personal data
      const cause = 'cause' in outcome ? outcome.cause : undefined;
      logger.error(
        { outcome: outcome.code, status: response.status, error: logError(cause) },
        'dedupe key function threw; delivery refused with 503 so the sender retries',
      );
    } else {
      logger.info({ outcome: outcome.code, status: response.status }, 'delivery refused');
    }
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
