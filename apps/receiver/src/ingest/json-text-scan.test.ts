import { describe, expect, it } from 'vitest';
import { parseJsonBody } from './json-body.js';
import { scanJsonText } from './json-text-scan.js';

const reason = (text: string) => {
  const result = parseJsonBody(Buffer.from(text));
  return result.ok ? 'ok' : result.reason;
};

describe('duplicate and reserved JSON keys', () => {
  it('refuses a key repeated in one object, at any depth, escaped or not', () => {
    expect(reason('{"event":"lead.created","data":{},"event":"lead.archived"}')).toBe('duplicate_key');
    expect(reason('{"event":"lead.created","data":{"a":1,"b":{"c":1,"c":2}}}')).toBe('duplicate_key');
    expect(reason('{"event":"lead.created","\\u0065vent":"lead.archived"}')).toBe('duplicate_key');
    expect(reason('{"event":"x","list":[{"a":1,"a":1}]}')).toBe('duplicate_key');
    // past the linear list of an object's first keys
    const many = Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`).join(',');
    expect(reason(`{"event":"x",${many},"k39":0}`)).toBe('duplicate_key');
  });

  it('takes equal keys in different objects, and keys that only look alike', () => {
    expect(reason('{"event":"x","a":{"id":1},"b":{"id":2},"id":3}')).toBe('ok');
    expect(reason('{"event":"x","list":[{"a":1},{"a":1}]}')).toBe('ok');
    expect(reason('{"event":"x","Event":"y","s":"\\"event\\":1,"}')).toBe('ok');
    expect(reason('{"event":"x","v":"event","event2":"event"}')).toBe('ok');
  });

  it('refuses __proto__ and constructor keys alike, at any depth', () => {
    for (const key of ['__proto__', 'constructor', '\\u005f_proto__']) {
      expect(reason(`{"event":"x","${key}":{}}`), key).toBe('reserved_key');
      expect(reason(`{"event":"x","data":{"${key}":1}}`), key).toBe('reserved_key');
    }
    // as values they are data
    expect(reason('{"event":"x","data":["__proto__","constructor"],"k":"constructor"}')).toBe('ok');
    expect(reason('{"event":"x","prototype":1}')).toBe('ok');
  });

  it('says too_deep before any key finding, and invalid_json for a text that is no JSON', () => {
    expect(reason(`{"a":1,"a":2,"d":${'['.repeat(100)}${']'.repeat(100)}}`)).toBe('too_deep');
    expect(reason('{"a":1,"a":2')).toBe('invalid_json');
  });

  it('checks the depth alone when keys are not checked (the bench)', () => {
    expect(scanJsonText('{"a":1,"a":2}', 64, false)).toBeUndefined();
    expect(scanJsonText(`${'['.repeat(65)}${']'.repeat(65)}`, 64, false)).toBe('too_deep');
    expect(scanJsonText('{"a":1,"a":2}', 64)).toBe('duplicate_key');
  });
});
