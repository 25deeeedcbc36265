import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { defaultDedupeKey } from './dedupe-key.js';
import { parseJsonBody } from './json-body.js';

const noHeaders = {};

describe('canonicalJson', () => {
  it('sorts keys at every level and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('is the same for any key order and formatting of the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const reordered = JSON.parse(JSON.stringify(value, null, 3)) as unknown;
        expect(canonicalJson(reordered)).toBe(canonicalJson(value));
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 200 },
    );
  });

  it('writes exactly what the earlier array-joining version wrote, so stored keys still match', () => {
    const joined = (value: unknown): string => {
      if (value === null || typeof value !== 'object') return JSON.stringify(value) as string;
      if (Array.isArray(value)) return `[${value.map(joined).join(',')}]`;
      const record = value as Record<string, unknown>;
      return `{${Object.keys(record)
        .sort()
        .map((key) => `${JSON.stringify(key)}:${joined(record[key])}`)
        .join(',')}}`;
    };
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(joined(value));
      }),
      { numRuns: 500 },
    );
    for (const text of [
      '-0',
      '1e21',
      '1.5e-7',
      '0.1',
      '"\\u00e9\\ud83d\\ude00\\n"',
      '{"":[],"\\u0000":{}}',
    ]) {
      expect(canonicalJson(JSON.parse(text))).toBe(joined(JSON.parse(text)));
    }
    expect(() => canonicalJson({ a: undefined })).toThrow(TypeError);
  });

  it('keeps a __proto__ key as data', () => {
    const parsed = JSON.parse('{"__proto__":{"x":1},"a":1}') as unknown;
    expect(canonicalJson(parsed)).toBe('{"__proto__":{"x":1},"a":1}');
  });
});

describe('defaultDedupeKey', () => {
  const key = (text: string, headers: Record<string, string> = noHeaders) => {
    const parsed = parseJsonBody(Buffer.from(text));
    if (!parsed.ok) throw new Error(parsed.reason);
    return defaultDedupeKey({ body: parsed.body, rawBody: Buffer.from(text), headers });
  };

  it('ignores key order and whitespace', () => {
    expect(key('{"event":"lead.created","data":{"leadId":"1","email":null}}')).toBe(
      key('{ "data": { "email": null, "leadId": "1" },\n  "event": "lead.created" }'),
    );
    expect(key('{"event":"lead.created","data":{"leadId":"1"}}')).not.toBe(
      key('{"event":"lead.created","data":{"leadId":"2"}}'),
    );
  });

  it('prefers a webhook-id header', () => {
    expect(key('{"event":"a"}', { 'webhook-id': 'msg_1' })).toBe('webhook-id:msg_1');
    expect(key('{"event":"a"}')).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('hashes a webhook-id too long for a unique index, keeping distinct ids distinct', () => {
    const long = (last: string) => key('{"event":"a"}', { 'webhook-id': `msg_${'x'.repeat(5000)}${last}` });
    expect(long('1')).toMatch(/^webhook-id-sha256:[0-9a-f]{64}$/);
    expect(long('1')).not.toBe(long('2'));
    expect(key('{"event":"a"}', { 'webhook-id': 'm'.repeat(200) })).toBe(`webhook-id:${'m'.repeat(200)}`);
  });
});

describe('parseJsonBody', () => {
  it.each([
    ['{"event":"x"', 'invalid_json'],
    ['[1,2]', 'not_an_object'],
    ['"str"', 'not_an_object'],
    ['null', 'not_an_object'],
    ['{"event":1}', 'missing_event'],
    ['{"event":""}', 'missing_event'],
    ['{"data":{}}', 'missing_event'],
    [`{"event":"x","a":${'['.repeat(100)}${']'.repeat(100)}}`, 'too_deep'],
  ])('refuses %s as %s', (text, reason) => {
    expect(parseJsonBody(Buffer.from(text))).toEqual({ ok: false, reason });
  });

  it('refuses invalid utf-8', () => {
    expect(parseJsonBody(Buffer.from([0x7b, 0xff, 0x7d]))).toEqual({ ok: false, reason: 'invalid_utf8' });
  });

  it('does not count brackets inside strings as nesting', () => {
    const result = parseJsonBody(Buffer.from(`{"event":"x","s":"${'['.repeat(500)}\\"{"}`));
    expect(result.ok).toBe(true);
  });

  it('refuses a __proto__ key rather than reading event through it', () => {
    expect(parseJsonBody(Buffer.from('{"__proto__":{"event":"x"}}'))).toEqual({
      ok: false,
      reason: 'reserved_key',
    });
    expect(({} as Record<string, unknown>).event).toBeUndefined();
  });
});
