import {
  isWebhookEventType,
  safeParseWebhookEvent,
  type ValidationMode,
  type WebhookEvent,
} from '@omni-webhooks/schema';
import type { HandoffSlot } from '../processing/event-handoff.js';
import {
  type InboxIssue,
  type InboxWriter,
  type InsertResult,
  UnstorableEventError,
} from '../store/inbox-store.js';
import { bodyHashKey, type DedupeKeyFunction, defaultDedupeKey } from './dedupe-key.js';
import { keptDeliveryHeaders } from './delivery-headers.js';
import type { RequestHeaders } from './early-refusal.js';
import type { IngestOutcome } from './ingest-responses.js';
import { parseJsonBody } from './json-body.js';
import { reportedIssues } from './validation-issues.js';

export interface IngestSettings {
  store: InboxWriter;
  validationMode: ValidationMode;
  dedupeKey: DedupeKeyFunction;
  /** lower-case name of the secret header, left out of the stored delivery headers (default x-webhook-secret) */
  secretHeader?: string;
  /**
   * how long a derived `sha256:` key dedupes (default one hour); delivery-id keys dedupe for ever.
   * whatever the key, a delivery of a body stored within this window is a duplicate of it
   */
  dedupeWindowMs?: number;
  now?: () => Date;
  /** a worker slot for a valid event, which the store may lease at insert and hand over in memory */
  handoff?: () => HandoffSlot | undefined;
  /**
   * told of each new accepted or ignored event, and of one stored rejected that a later delivery
   * promoted (never of a duplicate or a rejected one); the drift radar listens
   */
  onStored?: (type: string, body: Record<string, unknown>) => void;
  /** refuse repeated and reserved JSON keys (default true; false only for the bench's before/after) */
  checkJsonKeys?: boolean;
}

/** OmniAI retries span about 7.5 minutes: an hour covers them with room for queued deliveries and skew */
export const DEFAULT_DEDUPE_WINDOW_MS = 3_600_000;

/** keys derived from the body: two real events may share one, so they only dedupe within the window */
export const WINDOWED_KEY_PREFIX = 'sha256:';

export interface DeliveryRequest {
  headers: RequestHeaders;
  rawBody: Buffer;
}

/** the ingest pipeline once the delivery is authenticated and its body read: json, schema, dedupe, durable insert */
export async function ingestDelivery(
  settings: IngestSettings,
  request: DeliveryRequest,
): Promise<IngestOutcome> {
  const { headers, rawBody } = request;
  const parsed = parseJsonBody(rawBody, { checkKeys: settings.checkJsonKeys ?? true });
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

  const windowMs = settings.dedupeWindowMs ?? DEFAULT_DEDUPE_WINDOW_MS;
  // the default key of an unsigned delivery is the body hash already: not computed twice
  const bodyHash =
    settings.dedupeKey === defaultDedupeKey && dedupeKey.startsWith(WINDOWED_KEY_PREFIX)
      ? dedupeKey
      : bodyHashKey(parsed.body);
  const slot = status === 'received' ? settings.handoff?.() : undefined;
  let result: InsertResult;
  try {
    result = await settings.store.insert({
      dedupeKey,
      type,
      status,
      payload: parsed.text,
      receivedAt: (settings.now ?? (() => new Date()))(),
      ...(issues ? { issues } : {}),
      ...(dedupeKey.startsWith(WINDOWED_KEY_PREFIX) ? { dedupeWindowMs: windowMs } : {}),
      // stripping the webhook-* headers from a capture changes its key, not its body
      bodyHash: { key: bodyHash, windowMs },
      ...(slot ? { leaseMs: slot.leaseMs } : {}),
      deliveryHeaders: keptDeliveryHeaders(headers, settings.secretHeader ?? 'x-webhook-secret'),
    });
  } catch (error) {
    slot?.settle(undefined);
    // a poison event answered 503 would be retried by the sender for nothing
    if (error instanceof UnstorableEventError) return { code: 'unstorable_event', cause: error };
    return { code: 'store_unavailable' };
  }
  // durable now: the worker may run it
  slot?.settle(result, event);
  // a promoted row (stored rejected, valid now) is new to the radar, which never counts a rejected one
  if ((!result.duplicate || result.promoted) && status !== 'rejected') settings.onStored?.(type, parsed.body);
  const stored = { id: result.id, type, deliveryCount: result.deliveryCount };
  // a claimed event is already the worker's: no claim needed
  if (result.claimed) return { code: 'accepted', ...stored, handedOver: true };
  if (status === 'rejected') return { code: 'schema_validation_failed', ...stored, issues: issues ?? [] };
  // stored as rejected before, valid now (a schema fix): it is processed, so the sender may stop
  if (result.promoted) return { code: 'accepted', ...stored };
  if (result.duplicate) return { code: 'duplicate', ...stored };
  return { code: status === 'ignored' ? 'ignored' : 'accepted', ...stored };
}
