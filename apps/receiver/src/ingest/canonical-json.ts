// canonical json: object keys sorted by code unit, no whitespace, so key order and formatting of a
// redelivered body do not change its dedupe key. recursion depth is bounded by the parser's
// depth check (json-body.ts), so it cannot overflow the stack.
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    // undefined, functions and symbols never come out of JSON.parse
    if (text === undefined) throw new TypeError('value is not representable as JSON');
    return text;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
}
