// turns raw bytes into a plain json object with a string `event`, or says why it cannot

export const MAX_JSON_DEPTH = 64;

export type JsonBodyResult =
  | { ok: true; body: Record<string, unknown>; text: string; eventName: string }
  | { ok: false; reason: 'invalid_utf8' | 'invalid_json' | 'too_deep' | 'not_an_object' | 'missing_event' };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function parseJsonBody(raw: Buffer): JsonBodyResult {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return { ok: false, reason: 'invalid_utf8' };
  }
  // checked on the text before parsing, so a hostile nesting never reaches a recursive walk
  if (nestingDepth(text) > MAX_JSON_DEPTH) return { ok: false, reason: 'too_deep' };
  let value: unknown;
  try {
    // JSON.parse defines `__proto__` as an own data property: no prototype is touched
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'invalid_json' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'not_an_object' };
  }
  const body = value as Record<string, unknown>;
  const eventName = Object.hasOwn(body, 'event') ? body.event : undefined;
  if (typeof eventName !== 'string' || eventName === '') return { ok: false, reason: 'missing_event' };
  return { ok: true, body, text, eventName };
}

/** deepest bracket nesting outside string literals */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > max) max = depth;
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return max;
}
