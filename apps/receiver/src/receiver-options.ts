import type { ValidationMode } from '@omni-webhooks/schema';
import type { Logger } from 'pino';
import type { SignatureMode } from './ingest/authenticate.js';
import type { DedupeKeyFunction } from './ingest/dedupe-key.js';
import type { ReceiverMetrics } from './metrics.js';
import type { EventWorkerOptions } from './processing/event-worker.js';
import type { InboxStore } from './store/inbox-store.js';

/** who may deliver: checked before the body is read */
export interface ReceiverAuthOptions {
  /** accepted header secrets; several during a rotation */
  secrets: readonly string[];
  /** default `x-webhook-secret` */
  secretHeader?: string;
  /** tokens accepted in the url, `POST /webhooks/omniai/<token>` (the route's `token` parameter) */
  pathTokens?: readonly string[];
  /** true (AUTH_MODE=none): deliveries are taken without any credential */
  unauthenticated?: boolean;
  /** CIDRs deliveries may come from (`ctx.ip`); default every address */
  allowedSourceCidrs?: readonly string[];
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
  /** refused authentications per address and window before 429 (default 20 per 60 s; 0: no limit) */
  failureLimit?: number;
  failureWindowMs?: number;
}

/** how a delivery's body is read, validated and deduped before it is stored */
export interface ReceiverIngestOptions {
  /** default 1 MiB */
  bodyLimitBytes?: number;
  /** a body not received whole within this is answered 408 (default 6000: a sender gives up after 5 s) */
  bodyTimeoutMs?: number;
  /** default lenient: unknown fields and enum values do not reject an event (the worker parses with it too) */
  validationMode?: ValidationMode;
  /** default: `webhook-id` header, else sha-256 of the canonical json */
  dedupeKey?: DedupeKeyFunction;
  /** how long a `sha256:` (body hash) key dedupes; default one hour. `webhook-id` keys never expire */
  dedupeWindowMs?: number;
  /** told once a delivery made a new row (GET /events/stream wakes its subscribers) */
  onNewEvent?: () => void;
  /** @internal default true; false only for the bench's before/after of the duplicate-key check */
  checkJsonKeys?: boolean;
}

/**
 * how stored events run their handlers: `maxRetries` after the first failure (default 5), with
 * exponential backoff from `retryBaseMs`; a claim exclusive for `leaseMs` (default 60 000), renewed
 * while its handlers run; an attempt over `handlerTimeoutMs` (default 30 000) aborted through
 * `context.signal` and retried; `concurrency` events at once (default 32)
 */
export type ReceiverWorkerOptions = Pick<
  EventWorkerOptions,
  'maxRetries' | 'retryBaseMs' | 'leaseMs' | 'handlerTimeoutMs' | 'concurrency' | 'pollIntervalMs'
>;

export interface ReceiverDriftOptions {
  /** default true: report what the strict schema would flag (`GET /drift`, metrics, a warn log) */
  detection?: boolean;
}

/** the options of one release before the groups; each is read when its group leaves it unset */
export interface FlatReceiverOptions {
  /** @deprecated use `auth.secrets` */
  secrets?: readonly string[];
  /** @deprecated use `auth.secretHeader` */
  secretHeader?: string;
  /** @deprecated use `auth.signingKeys` */
  signingKeys?: readonly string[];
  /** @deprecated use `auth.signatureMode` */
  signatureMode?: SignatureMode;
  /** @deprecated use `auth.failureLimit` */
  authFailureLimit?: number;
  /** @deprecated use `auth.failureWindowMs` */
  authFailureWindowMs?: number;
  /** @deprecated use `ingest.bodyTimeoutMs` */
  bodyTimeoutMs?: number;
  /** @deprecated use `ingest.validationMode` */
  validationMode?: ValidationMode;
  /** @deprecated use `ingest.bodyLimitBytes` */
  bodyLimitBytes?: number;
  /** @deprecated use `ingest.dedupeKey` */
  dedupeKey?: DedupeKeyFunction;
  /** @deprecated use `ingest.dedupeWindowMs` */
  dedupeWindowMs?: number;
  /** @deprecated use `worker.maxRetries` */
  handlerMaxRetries?: number;
  /** @deprecated use `worker.retryBaseMs` */
  handlerRetryBaseMs?: number;
  /** @deprecated use `worker.leaseMs` */
  handlerLeaseMs?: number;
  /** @deprecated use `worker.handlerTimeoutMs` */
  handlerTimeoutMs?: number;
  /** @deprecated use `worker.concurrency` */
  handlerConcurrency?: number;
  /** @deprecated use `worker.pollIntervalMs` */
  pollIntervalMs?: number;
  /** @deprecated use `drift.detection` */
  driftDetection?: boolean;
}

export interface WebhookReceiverOptions extends FlatReceiverOptions {
  store: InboxStore;
  logger?: Logger;
  metrics?: ReceiverMetrics;
  /** required (or the deprecated flat `secrets`) */
  auth?: ReceiverAuthOptions;
  ingest?: ReceiverIngestOptions;
  worker?: ReceiverWorkerOptions;
  drift?: ReceiverDriftOptions;
}

export interface ResolvedReceiverOptions {
  auth: ReceiverAuthOptions;
  ingest: ReceiverIngestOptions;
  worker: ReceiverWorkerOptions;
  drift: ReceiverDriftOptions;
  /** the flat options given, for a deprecation warning */
  flat: string[];
}

// each flat option and where it lives now
const FLAT_OPTIONS = {
  secrets: ['auth', 'secrets'],
  secretHeader: ['auth', 'secretHeader'],
  signingKeys: ['auth', 'signingKeys'],
  signatureMode: ['auth', 'signatureMode'],
  authFailureLimit: ['auth', 'failureLimit'],
  authFailureWindowMs: ['auth', 'failureWindowMs'],
  bodyTimeoutMs: ['ingest', 'bodyTimeoutMs'],
  validationMode: ['ingest', 'validationMode'],
  bodyLimitBytes: ['ingest', 'bodyLimitBytes'],
  dedupeKey: ['ingest', 'dedupeKey'],
  dedupeWindowMs: ['ingest', 'dedupeWindowMs'],
  handlerMaxRetries: ['worker', 'maxRetries'],
  handlerRetryBaseMs: ['worker', 'retryBaseMs'],
  handlerLeaseMs: ['worker', 'leaseMs'],
  handlerTimeoutMs: ['worker', 'handlerTimeoutMs'],
  handlerConcurrency: ['worker', 'concurrency'],
  pollIntervalMs: ['worker', 'pollIntervalMs'],
  driftDetection: ['drift', 'detection'],
} as const satisfies Record<keyof FlatReceiverOptions, readonly [keyof ResolvedReceiverOptions, string]>;

/** the groups, each filled in from the deprecated flat options it leaves unset */
export function resolveReceiverOptions(options: WebhookReceiverOptions): ResolvedReceiverOptions {
  const groups: Record<'auth' | 'ingest' | 'worker' | 'drift', Record<string, unknown>> = {
    auth: { ...options.auth },
    ingest: { ...options.ingest },
    worker: { ...options.worker },
    drift: { ...options.drift },
  };
  const flat: string[] = [];
  for (const [name, [group, key]] of Object.entries(FLAT_OPTIONS)) {
    const value = options[name as keyof FlatReceiverOptions];
    if (value === undefined) continue;
    flat.push(name);
    groups[group][key] ??= value;
  }
  if (!Array.isArray(groups.auth.secrets)) {
    throw new TypeError('[@omni-webhooks/receiver] createWebhookReceiver needs auth.secrets');
  }
  return {
    auth: groups.auth as unknown as ReceiverAuthOptions,
    ingest: groups.ingest as ReceiverIngestOptions,
    worker: groups.worker as ReceiverWorkerOptions,
    drift: groups.drift as ReceiverDriftOptions,
    flat,
  };
}
