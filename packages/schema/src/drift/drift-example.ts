// a drift row keeps one example value; it is stored and shown to people, so personal or secret values
// never leave the payload, and every value is short

export type DriftExample = string | number | boolean | null;

export const EXAMPLE_MAX_CHARS = 64;
export const REDACTED = '[redacted]';

// words of a key (camelCase, snake_case, kebab-case) that mark a personal or secret value
const SENSITIVE_WORDS = new Set([
  'name',
  'names',
  'email',
  'emails',
  'mail',
  'phone',
  'mobile',
  'fax',
  'address',
  'street',
  'postal',
  'zip',
  'city',
  'birth',
  'dob',
  'ssn',
  'ein',
  'tax',
  'passport',
  'license',
  'token',
  'tokens',
  'secret',
  'password',
  'passwd',
  'key',
  'auth',
  'authorization',
  'credential',
  'credentials',
  'signature',
  'signed',
  'cookie',
  'session',
  'iban',
  'account',
  'card',
  'cvv',
  'pin',
  'body',
  'subject',
  'from',
  'to',
  'cc',
  'bcc',
  'value',
  'values',
]);

const EMAIL_LIKE = /[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+/;
// e.164 or a national number written with separators; dates and plain counts are left alone
const PHONE_LIKE = /^(?:\+\d[\d\s().-]{6,18}|\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4})$/;

function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

export function isSensitiveKey(key: string): boolean {
  return keyWords(key).some((word) => SENSITIVE_WORDS.has(word));
}

function cut(text: string): string {
  if (text.length <= EXAMPLE_MAX_CHARS) return text;
  return Array.from(text).slice(0, EXAMPLE_MAX_CHARS).join('');
}

function redactTree(value: unknown, depth: number): unknown {
  if (Array.isArray(value)) return value.map((item) => redactTree(item, depth + 1));
  if (typeof value === 'object' && value !== null) {
    // a bound on work for a hostile nesting; the text is cut to 64 characters anyway
    if (depth > 8) return '…';
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        isSensitiveKey(key) ? REDACTED : redactTree(item, depth + 1),
      ]),
    );
  }
  if (typeof value === 'string' && (EMAIL_LIKE.test(value) || PHONE_LIKE.test(value))) return REDACTED;
  return value;
}

/**
 * the example stored for a drift at `keys` (the payload path): redacted when a key on the path or the
 * value itself looks personal or secret; objects and arrays as their json text; strings cut to 64 characters
 */
export function driftExample(keys: readonly (string | number)[], value: unknown): DriftExample {
  if (keys.some((key) => typeof key === 'string' && isSensitiveKey(key))) return REDACTED;
  const redacted = redactTree(value, 0);
  if (redacted === undefined) return null;
  if (typeof redacted === 'string') return cut(redacted);
  if (typeof redacted === 'number' || typeof redacted === 'boolean' || redacted === null) return redacted;
  return cut(JSON.stringify(redacted));
}
