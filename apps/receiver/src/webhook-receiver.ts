import { DEFAULT_SECRET_HEADER } from '@omni-webhooks/contract';
import { isWebhookEventType, type ValidationMode, type WebhookEventType } from '@omni-webhooks/schema';
import type { Middleware } from 'koa';
import { type Logger, pino } from 'pino';
import type { SignatureMode } from './config.js';
import { createDriftRadar, type DriftRadar } from './drift/drift-radar.js';
import { type DedupeKeyFunction, defaultDedupeKey } from './ingest/dedupe-key.js';
import { ingestDelivery } from './ingest/ingest-delivery.js';
import { type IngestOutcome, toIngestResponse } from './ingest/ingest-responses.js';
import { readBody } from './ingest/read-body.js';
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
  /** accepted secrets; several during a rotation */
  secrets: readonly string[];
  /** default `x-webhook-secret` */
  secretHeader?: string;
  /** standard webhooks signature: off, optional (checked when sent; default) or required */
  signatureMode?: SignatureMode;
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
  const settings = {
    store: options.store,
    secrets: options.secrets,
    secretHeader: (options.secretHeader ?? DEFAULT_SECRET_HEADER).toLowerCase(),
    signatureMode: options.signatureMode ?? 'optional',
    validationMode: options.validationMode ?? 'lenient',
    dedupeKey: options.dedupeKey ?? defaultDedupeKey,
    handoff: () => worker.reserve(),
    ...(radar ? { onStored: radar.observe } : {}),
    ...(options.dedupeWindowMs !== undefined ? { dedupeWindowMs: options.dedupeWindowMs } : {}),
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
    try {
      const read = await readBody(ctx.req, bodyLimit);
      outcome = read.ok
        ? await ingestDelivery(settings, { headers: ctx.req.headers, rawBody: read.body })
        : { code: read.code };
    } catch (error) {
      // a bug here must still leave the sender retrying, never a lost event
      logger.error({ error: describeCause(error) }, 'ingest failed unexpectedly');
      outcome = { code: 'store_unavailable' };
    }
    const response = toIngestResponse(outcome);
    ctx.status = response.status;
    ctx.body = response.body;
    if (response.status === 413 || outcome.code === 'request_aborted') ctx.set('connection', 'close');

    const type = 'type' in outcome ? outcome.type : undefined;
    const label = typeLabel(type, isWebhookEventType);
    metrics.received.inc({ type: label, outcome: outcome.code });
    metrics.ackDuration.observe({ outcome: outcome.code }, Number(process.hrtime.bigint() - started) / 1e9);
    if ('id' in outcome) {
      const line = {
        id: outcome.id,
        type: outcome.type,
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
        { outcome: outcome.code, status: response.status, error: describeCause(cause) },
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
  }) as WebhookReceiver;
  return receiver;
}

function describeCause(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
