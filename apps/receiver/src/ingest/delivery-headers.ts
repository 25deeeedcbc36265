import { SIGNATURE_HEADERS } from '@omni-webhooks/contract';
import type { RequestHeaders } from './early-refusal.js';

// the headers a stored event keeps for GET /events/stream: what the sender said about the delivery,
// never a credential (the secret header, a signature, authorization, cookies) nor the hop's own

const NEVER_KEPT = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  SIGNATURE_HEADERS.signature,
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'forwarded',
  'x-forwarded-for',
  'x-real-ip',
]);
const MAX_HEADERS = 32;
const MAX_VALUE_CHARS = 512;

/** json of the kept headers, lower-case names; `secretHeader` and `x-webhook-secret` left out too */
export function keptDeliveryHeaders(headers: RequestHeaders, secretHeader: string): string {
  const kept: Record<string, string> = {};
  let count = 0;
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (
      value === undefined ||
      NEVER_KEPT.has(lower) ||
      lower === secretHeader ||
      lower === 'x-webhook-secret'
    )
      continue;
    if (count++ >= MAX_HEADERS) break;
    kept[lower] = (Array.isArray(value) ? value.join(', ') : value).slice(0, MAX_VALUE_CHARS);
  }
  return JSON.stringify(kept);
}
