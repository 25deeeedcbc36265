// one pass over a JSON text before it is parsed: bracket depth, repeated keys and reserved keys.
// JSON.parse keeps the last of two equal keys while the raw body holds both, so a consumer whose parser
// keeps the first would read another event than the receiver stored; OmniAI never writes either

/** keys refused at any depth: JSON.parse keeps `__proto__` as data, zod drops it, Object.assign makes
 * it a prototype; `constructor` shadows one. OmniAI's events have neither, so one rule: refused */
export const RESERVED_JSON_KEYS: readonly string[] = ['__proto__', 'constructor'];

export type JsonTextFinding = 'too_deep' | 'duplicate_key' | 'reserved_key';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/** an object being read: its keys so far (an array: most objects hold a handful) */
interface ObjectFrame {
  keys: string[];
  set: Set<string> | undefined;
}

// past this many keys an object's keys move to a Set
const LINEAR_KEYS = 16;

/**
 * The first problem of `text` as an event body, or undefined. Valid JSON is assumed (JSON.parse still
 * runs after): on an invalid text a finding may be wrong, and the parse refuses the text anyway.
 * `keys: false` checks the depth only.
 */
export function scanJsonText(text: string, maxDepth: number, keys = true): JsonTextFinding | undefined {
  // one frame per open bracket: an object's frame, or undefined for an array
  const frames: (ObjectFrame | undefined)[] = [];
  let expectingKey = false;
  // the first key finding; the scan goes on, since depth is refused first
  let finding: 'duplicate_key' | 'reserved_key' | undefined;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i + 1;
      let escaped = false;
      for (i = start; i < text.length; i += 1) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) {
          escaped = true;
          i += 1;
        } else if (s === QUOTE) break;
      }
      if (expectingKey) {
        expectingKey = false;
        const frame = frames[frames.length - 1];
        if (frame && finding === undefined) {
          const raw = text.slice(start, i);
          // an escaped key is compared as JSON reads it ("\u0065vent" is "event")
          const key = escaped ? decodeKey(raw) : raw;
          if (RESERVED_JSON_KEYS.includes(key)) finding = 'reserved_key';
          else if (seen(frame, key)) finding = 'duplicate_key';
        }
      }
    } else if (c === OPEN_OBJECT) {
      frames.push(keys ? { keys: [], set: undefined } : undefined);
      if (frames.length > maxDepth) return 'too_deep';
      expectingKey = true;
    } else if (c === OPEN_ARRAY) {
      frames.push(undefined);
      if (frames.length > maxDepth) return 'too_deep';
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      frames.pop();
      expectingKey = false;
    } else if (c === COMMA) {
      expectingKey = frames[frames.length - 1] !== undefined;
    }
  }
  return finding;
}

/** records `key` in `frame`; true when it was there already */
function seen(frame: ObjectFrame, key: string): boolean {
  if (frame.set) {
    if (frame.set.has(key)) return true;
    frame.set.add(key);
    return false;
  }
  if (frame.keys.includes(key)) return true;
  frame.keys.push(key);
  if (frame.keys.length > LINEAR_KEYS) frame.set = new Set(frame.keys);
  return false;
}

function decodeKey(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    // an invalid escape: JSON.parse refuses the whole text later
    return raw;
  }
}
