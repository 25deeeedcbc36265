// canonical json: object keys sorted by code unit, no whitespace, so key order and formatting of a
// redelivered body do not change its dedupe key. recursion depth is bounded by the parser's
// depth check (json-body.ts), so it cannot overflow the stack. built in one pass onto one string (no
// array of parts per object), since it runs for every delivery
export function canonicalJson(value: unknown): string {
  return append('', value);
}

function append(out: string, value: unknown): string {
  switch (typeof value) {
    case 'string':
      return out + JSON.stringify(value);
    case 'number':
      // as JSON.stringify writes it: finite numbers in their shortest form, the rest as null
      return Number.isFinite(value) ? out + (value as number) : `${out}null`;
    case 'boolean':
      return out + (value ? 'true' : 'false');
    case 'object':
      break;
    default:
      // undefined, functions, symbols and bigints never come out of JSON.parse
      throw new TypeError('value is not representable as JSON');
  }
  if (value === null) return `${out}null`;
  if (Array.isArray(value)) {
    let text = `${out}[`;
    for (let i = 0; i < value.length; i += 1) {
      if (i > 0) text += ',';
      text = append(text, value[i]);
    }
    return `${text}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let text = `${out}{`;
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i] as string;
    if (i > 0) text += ',';
    text = append(`${text + JSON.stringify(key)}:`, record[key]);
  }
  return `${text}}`;
}
