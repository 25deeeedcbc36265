// which header may carry a secret. a secret header replaces whatever the sender would have sent under
// that name, so framing, hop-by-hop and routing headers (a name-based virtual host behind an allowed
// address, a chunked body with a length) and the headers the sender sets itself are refused

/** an RFC 9110 token: what a header name may be made of */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;

/** names a secret header may not take (compared lower-case) */
export const RESERVED_HEADER_NAMES: readonly string[] = [
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'content-type',
  'user-agent',
];

/** prefixes a secret header may not start with: `proxy-*` (hop-by-hop), `webhook-*` (the signature headers) */
export const RESERVED_HEADER_PREFIXES: readonly string[] = ['proxy-', 'webhook-'];

/** why `name` cannot carry a secret, naming it; undefined when it can */
export function secretHeaderProblem(name: string): string | undefined {
  if (!HEADER_NAME.test(name)) return `${JSON.stringify(name)} must be an HTTP header name`;
  const lower = name.toLowerCase();
  if (RESERVED_HEADER_NAMES.includes(lower) || RESERVED_HEADER_PREFIXES.some((p) => lower.startsWith(p))) {
    return `${JSON.stringify(lower)} is a request-framing, hop-by-hop, routing or sender-set header and cannot carry the secret`;
  }
  return undefined;
}
