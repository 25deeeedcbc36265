import * as crypto from 'node:crypto';
import { SIGNATURE_HEADERS } from '@omni-webhooks/contract';
import { canonicalJson } from './canonical-json.js';

export interface DedupeKeyInput {
  /** the parsed body (a plain object with a string `event`) */
  body: Record<string, unknown>;
  rawBody: Buffer;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** returns the idempotency key of a delivery; same key = same event, stored once */
export type DedupeKeyFunction = (input: DedupeKeyInput) => string;

// longer webhook ids are stored hashed: a unique index cannot hold arbitrarily long keys
// (postgres refuses btree entries over about 2.7 kB), and a sender controls the header's length
const MAX_PLAIN_WEBHOOK_ID_LENGTH = 200;

// one call where node has crypto.hash (20.12 on; no hash object per delivery), else a hash object
const sha256: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text, 'utf8').digest('hex');

/** `sha256:` and the hash of the body's canonical json: equal for a redelivery in any key order or spacing */
export function bodyHashKey(body: Record<string, unknown>): string {
  return `sha256:${sha256(canonicalJson(body))}`;
}

/**
 * a `webhook-id` header (standard webhooks) wins; otherwise the sha-256 of the canonical json,
 * since no omniai payload carries an event id. prefixes keep the key spaces apart.
 */
export const defaultDedupeKey: DedupeKeyFunction = ({ body, headers }) => {
  const webhookId = headers[SIGNATURE_HEADERS.id];
  const id = (Array.isArray(webhookId) ? webhookId[0] : webhookId)?.trim();
  if (id) {
    return id.length > MAX_PLAIN_WEBHOOK_ID_LENGTH ? `webhook-id-sha256:${sha256(id)}` : `webhook-id:${id}`;
  }
  return bodyHashKey(body);
};
