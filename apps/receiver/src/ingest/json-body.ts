// turns raw bytes into a plain json object with a string `event`, or says why it cannot
import { scanJsonText } from './json-text-scan.js';

export const MAX_JSON_DEPTH = 64;

export type JsonBodyResult =
  | { ok: true; body: Record<string, unknown>; text: string; eventName: string }
  | {
      ok: false;
      reason:
        | 'invalid_utf8'
        | 'invalid_json'
        | 'too_deep'
        | 'duplicate_key'
        | 'reserved_key'
        | 'not_an_object'
        | 'missing_event';
    };

export interface JsonBodyOptions {
  /** refuse repeated and reserved keys (default true; false only for the bench's before/after) */
  checkKeys?: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function parseJsonBody(raw: Buffer, options: JsonBodyOptions = {}): JsonBodyResult {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return { ok: false, reason: 'invalid_utf8' };
  }
  // checked on the text before parsing, so a hostile nesting never reaches a recursive walk; keys in
  // the same pass
  const finding = scanJsonText(text, MAX_JSON_DEPTH, options.checkKeys ?? true);
  if (finding === 'too_deep') return { ok: false, reason: finding };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'invalid_json' };
  }
  // after the parse: a text that is no JSON at all is invalid_json, whatever its keys looked like
  if (finding) return { ok: false, reason: finding };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'not_an_object' };
  }
  const body = value as Record<string, unknown>;
  const eventName = Object.hasOwn(body, 'event') ? body.event : undefined;
  if (typeof eventName !== 'string' || eventName === '') return { ok: false, reason: 'missing_event' };
  return { ok: true, body, text, eventName };
}
