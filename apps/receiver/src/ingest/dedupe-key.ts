import { createHash } from 'node:crypto';
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

/**
 * a `webhook-id` header (standard webhooks) wins; otherwise the sha-256 of the canonical json,
 * since no omniai payload carries an event id. prefixes keep the two key spaces apart.
 */
export const defaultDedupeKey: DedupeKeyFunction = ({ body, headers }) => {
  const webhookId = headers[SIGNATURE_HEADERS.id];
  const id = Array.isArray(webhookId) ? webhookId[0] : webhookId;
  if (id !== undefined && id.trim() !== '') return `webhook-id:${id.trim()}`;
  return `sha256:${createHash('sha256').update(canonicalJson(body), 'utf8').digest('hex')}`;
};
