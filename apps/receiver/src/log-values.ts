import { cutText } from './cut-text.js';

// a delivery chooses its event name, its field values and so the text of some errors: each is cut
// before it reaches a log line, so one request cannot make a megabyte line

/** longest name, path or field value from a request in a log line */
export const MAX_LOG_VALUE_CHARS = 256;

/** longest error text in a log line (it may quote a request's values) */
export const MAX_LOG_ERROR_CHARS = 2048;

/** a request-derived string as it may appear in a log line */
export function logValue(value: string, maxChars = MAX_LOG_VALUE_CHARS): string {
  return cutText(value, maxChars);
}

/** an error's name and message, cut, for a log line */
export function logError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return cutText(text, MAX_LOG_ERROR_CHARS);
}
