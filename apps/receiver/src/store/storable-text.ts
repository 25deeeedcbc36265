import { UnstorableEventError } from './store-errors.js';

// postgres text cannot hold U+0000, and json escapes let an authenticated body carry one (in its event
// name, in a key a schema issue names). both adapters store the same thing, so the answer to a delivery
// never depends on the database behind it

/** a label (event name, handler error) as stored: U+0000 becomes U+FFFD, as utf-8 encoders already do for a lone surrogate */
export function storedLabel(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\ufffd') : text;
}

/** longest event name stored in `type`; known names are short, a longer one is only ever `ignored` */
export const MAX_STORED_TYPE_LENGTH = 256;

/**
 * the event name as stored in `type`, which is indexed: a label as above, cut to
 * MAX_STORED_TYPE_LENGTH (a postgres index entry cannot exceed about 2.7 kB). the payload keeps the
 * name whole
 */
export function storedType(name: string): string {
  return storedCut(name, MAX_STORED_TYPE_LENGTH);
}

/** longest drift path stored: with the event name it makes the key of `schema_drift`, indexed too */
export const MAX_STORED_DRIFT_PATH_LENGTH = 256;

/** a drift path as stored, by the rule of storedType: both adapters store the same row for a key */
export function storedDriftPath(path: string): string {
  return storedCut(path, MAX_STORED_DRIFT_PATH_LENGTH);
}

function storedCut(text: string, maxLength: number): string {
  const label = storedLabel(text);
  if (label.length <= maxLength) return label;
  // never split a surrogate pair
  const end = /[\ud800-\udbff]/.test(label.charAt(maxLength - 1)) ? maxLength - 1 : maxLength;
  return label.slice(0, end);
}

/** the payload is json text, which never holds a raw U+0000 (only its `\u0000` escape) */
export function checkStorablePayload(payload: string): void {
  if (payload.includes('\u0000')) {
    throw new UnstorableEventError('payload holds a raw U+0000 character, so it is not json text');
  }
}
