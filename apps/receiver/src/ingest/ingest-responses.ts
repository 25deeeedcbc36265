import type { InboxIssue } from '../store/inbox-store.js';

// every answer of POST /webhooks/omniai, kept in one table (the design's response table)
export const INGEST_RESPONSES = {
  accepted: { status: 200, stored: 'yes, once', message: 'event stored' },
  duplicate: {
    status: 200,
    stored: 'no second row; delivery count +1',
    message: 'duplicate delivery, already stored',
  },
  ignored: { status: 200, stored: 'yes, as ignored', message: 'unknown event type, stored as ignored' },
  // names no credential kind: a wrong path token learns nothing of what else the receiver takes
  unauthorized: { status: 401, stored: 'no', message: 'missing or invalid webhook credentials' },
  invalid_signature: { status: 401, stored: 'no', message: 'webhook signature verification failed' },
  source_not_allowed: {
    status: 403,
    stored: 'no',
    message: 'deliveries are not accepted from this address',
  },
  too_many_requests: {
    status: 429,
    stored: 'no',
    message: 'too many failed authentications from this address, retry later',
  },
  payload_too_large: { status: 413, stored: 'no', message: 'request body exceeds the size limit' },
  unsupported_media_type: { status: 415, stored: 'no', message: 'content type must be application/json' },
  unsupported_content_encoding: { status: 415, stored: 'no', message: 'content encoding must be identity' },
  request_aborted: { status: 400, stored: 'no', message: 'request body could not be read' },
  request_timeout: { status: 408, stored: 'no', message: 'request body not received in time' },
  invalid_utf8: { status: 400, stored: 'no', message: 'request body is not valid utf-8' },
  invalid_json: { status: 400, stored: 'no', message: 'request body is not valid JSON' },
  too_deep: { status: 400, stored: 'no', message: 'request body is nested too deeply' },
  duplicate_key: { status: 400, stored: 'no', message: 'request body repeats a key within one object' },
  reserved_key: { status: 400, stored: 'no', message: 'request body has a __proto__ or constructor key' },
  not_an_object: { status: 400, stored: 'no', message: 'request body must be a JSON object' },
  missing_event: { status: 400, stored: 'no', message: 'request body must have a string "event" field' },
  schema_validation_failed: {
    status: 400,
    stored: 'yes, raw, as rejected',
    message: 'event does not match its schema',
  },
  unstorable_event: {
    status: 400,
    stored: 'no',
    message: 'event holds a value the store cannot keep; retrying will not help',
  },
  dedupe_key_failed: {
    status: 503,
    stored: 'no',
    message: 'no dedupe key could be derived for this event, retry later',
  },
  store_unavailable: { status: 503, stored: 'no', message: 'event store unavailable, retry later' },
} as const satisfies Record<string, { status: number; stored: string; message: string }>;

export type IngestCode = keyof typeof INGEST_RESPONSES;

/** outcomes where nothing is stored */
export type RefusalCode = Exclude<
  IngestCode,
  'accepted' | 'duplicate' | 'ignored' | 'schema_validation_failed'
>;

export type IngestOutcome =
  | {
      code: 'accepted' | 'duplicate' | 'ignored';
      id: string;
      type: string;
      deliveryCount: number;
      /** the store leased the new event to this process's worker at insert: nothing to claim */
      handedOver?: boolean;
    }
  | {
      code: 'schema_validation_failed';
      id: string;
      type: string;
      deliveryCount: number;
      issues: InboxIssue[];
    }
  | { code: RefusalCode; detail?: string; cause?: unknown };

export interface IngestResponse {
  status: number;
  body: Record<string, unknown>;
}

/** maps an outcome to its status and json body; error bodies are `{ error: { code, message, issues? } }` */
export function toIngestResponse(outcome: IngestOutcome): IngestResponse {
  const entry = INGEST_RESPONSES[outcome.code];
  if (outcome.code === 'accepted' || outcome.code === 'duplicate' || outcome.code === 'ignored') {
    return {
      status: entry.status,
      body: {
        ok: true,
        id: outcome.id,
        status: outcome.code,
        deliveryCount: outcome.deliveryCount,
      },
    };
  }
  if (outcome.code === 'schema_validation_failed') {
    return {
      status: entry.status,
      body: { error: { code: outcome.code, message: entry.message, issues: outcome.issues }, id: outcome.id },
    };
  }
  // the refusal variant is the only one with a detail; codes alone do not narrow the union
  const detail = 'detail' in outcome ? outcome.detail : undefined;
  const message = detail ? `${entry.message}: ${detail}` : entry.message;
  return { status: entry.status, body: { error: { code: outcome.code, message } } };
}
