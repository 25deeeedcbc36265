import { SIGNATURE_HEADERS, verifySecret, verifyWebhookSignature } from '@omni-webhooks/contract';
import {
  isWebhookEventType,
  safeParseWebhookEvent,
  type ValidationMode,
  type WebhookEvent,
} from '@omni-webhooks/schema';
import type { SignatureMode } from '../config.js';
import type { HandoffSlot } from '../processing/event-worker.js';
import { type InboxIssue, type InboxStore, UnstorableEventError } from '../store/inbox-store.js';
import type { DedupeKeyFunction } from './dedupe-key.js';
import type { IngestOutcome } from './ingest-responses.js';
import { parseJsonBody } from './json-body.js';
import { reportedIssues } from './validation-issues.js';

export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

export interface IngestSettings {
  store: InboxStore;
  secrets: readonly string[];
  /** lower-case header name */
  secretHeader: string;
  signatureMode: SignatureMode;
  validationMode: ValidationMode;
  dedupeKey: DedupeKeyFunction;
  /** how long a derived `sha256:` key dedupes (default one hour); delivery-id keys dedupe for ever */
  dedupeWindowMs?: number;
  now?: () => Date;
  /** a worker slot for a valid event, which the store may lease at insert and hand over in memory */
  handoff?: () => HandoffSlot | undefined;
  /** told of each new accepted or ignored event (not a duplicate, not a rejected one); the drift radar listens */
  onStored?: (type: string, body: Record<string, unknown>) => void;
}

/** OmniAI retries span about 7.5 minutes: an hour covers them with room for queued deliveries and skew */
export const DEFAULT_DEDUPE_WINDOW_MS = 3_600_000;

/** keys derived from the body: two real events may share one, so they only dedupe within the window */
export const WINDOWED_KEY_PREFIX = 'sha256:';

export interface DeliveryRequest {
  headers: RequestHeaders;
  rawBody: Buffer;
}

/** the ingest pipeline after the body is read: media type, auth, json, schema, dedupe, durable insert */
export async function ingestDelivery(
  settings: IngestSettings,
  request: DeliveryRequest,
): Promise<IngestOutcome> {
  const { headers, rawBody } = request;
  if (!isJsonMediaType(single(headers['content-type']))) return { code: 'unsupported_media_type' };
  if (!verifySecret(single(headers[settings.secretHeader]), settings.secrets))
    return { code: 'unauthorized' };
  const signature = checkSignature(settings, headers, rawBody);
  if (signature) return { code: 'invalid_signature', detail: signature };

  const parsed = parseJsonBody(rawBody);
  if (!parsed.ok) return { code: parsed.reason };
  const type = parsed.eventName;

  let status: 'received' | 'rejected' | 'ignored' = 'received';
  let issues: InboxIssue[] | undefined;
  let event: WebhookEvent | undefined;
  if (!isWebhookEventType(type)) {
    status = 'ignored';
  } else {
    const validation = safeParseWebhookEvent(parsed.body, { mode: settings.validationMode });
    if (validation.success) event = validation.data;
    else {
      status = 'rejected';
      issues = reportedIssues(validation.error.issues);
    }
  }

  let dedupeKey: string;
  try {
    dedupeKey = settings.dedupeKey({ body: parsed.body, rawBody, headers });
    // postgres text cannot hold it, and a key changed to fit could merge two events
    if (dedupeKey.includes('\u0000')) throw new Error('dedupe key holds a U+0000 character');
  } catch (error) {
    // a custom key function that fails is the receiver's fault, not the event's: a 503 keeps the
    // sender retrying rather than storing the event unkeyed or refusing it for good
    return { code: 'dedupe_key_failed', cause: error };
  }

  const slot = status === 'received' ? settings.handoff?.() : undefined;
  let result: Awaited<ReturnType<InboxStore['insert']>>;
  try {
    result = await settings.store.insert({
      dedupeKey,
      type,
      status,
      payload: parsed.text,
      receivedAt: (settings.now ?? (() => new Date()))(),
      ...(issues ? { issues } : {}),
      ...(dedupeKey.startsWith(WINDOWED_KEY_PREFIX)
        ? { dedupeWindowMs: settings.dedupeWindowMs ?? DEFAULT_DEDUPE_WINDOW_MS }
        : {}),
      ...(slot ? { leaseMs: slot.leaseMs } : {}),
    });
  } catch (error) {
    slot?.settle(undefined);
    // a poison event answered 503 would be retried by the sender for nothing
    if (error instanceof UnstorableEventError) return { code: 'unstorable_event', cause: error };
    return { code: 'store_unavailable' };
  }
  // durable now: the worker may run it
  slot?.settle(result, event);
  if (!result.duplicate && status !== 'rejected') settings.onStored?.(type, parsed.body);
  const stored = { id: result.id, type, deliveryCount: result.deliveryCount };
  // a claimed event is already the worker's: no claim needed
  if (result.claimed) return { code: 'accepted', ...stored, handedOver: true };
  if (status === 'rejected') return { code: 'schema_validation_failed', ...stored, issues: issues ?? [] };
  // stored as rejected before, valid now (a schema fix): it is processed, so the sender may stop
  if (result.promoted) return { code: 'accepted', ...stored };
  if (result.duplicate) return { code: 'duplicate', ...stored };
  return { code: status === 'ignored' ? 'ignored' : 'accepted', ...stored };
}

/** application/json or any +json type, in utf-8 (the only charset json allows between systems) */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const [mediaType = '', ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(mediaType)) return false;
  const charset = parameters.find((parameter) => parameter.startsWith('charset='));
  return charset === undefined || /^charset="?utf-8"?$/.test(charset);
}

/** undefined when the signature passes or is not asked for; else why it failed */
function checkSignature(
  settings: IngestSettings,
  headers: RequestHeaders,
  rawBody: Buffer,
): string | undefined {
  if (settings.signatureMode === 'off') return undefined;
  const sent = Object.values(SIGNATURE_HEADERS).some((name) => headers[name] !== undefined);
  if (settings.signatureMode === 'optional' && !sent) return undefined;
  const verification = verifyWebhookSignature({
    headers: { ...headers },
    body: rawBody,
    secrets: settings.secrets,
  });
  return verification.ok ? undefined : verification.code;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}
