import { describe, expect, it } from 'vitest';
import { UnstorableEventError } from './inbox-store.js';
import { checkStorablePayload, MAX_STORED_TYPE_LENGTH, storedLabel, storedType } from './storable-text.js';

describe('storable text', () => {
  it('replaces U+0000 in labels and leaves other text alone', () => {
    expect(storedLabel('a\u0000b\u0000')).toBe('a\ufffdb\ufffd');
    expect(storedLabel('lead.created')).toBe('lead.created');
  });

  it('cuts a long type without splitting a surrogate pair', () => {
    expect(storedType('x'.repeat(1000))).toHaveLength(MAX_STORED_TYPE_LENGTH);
    const emoji = `${'x'.repeat(MAX_STORED_TYPE_LENGTH - 1)}😀tail`;
    expect(storedType(emoji)).toBe('x'.repeat(MAX_STORED_TYPE_LENGTH - 1));
  });

  it('refuses a payload with a raw U+0000, not its json escape', () => {
    expect(() => checkStorablePayload('{"a":"\u0000"}')).toThrow(UnstorableEventError);
    expect(() => checkStorablePayload('{"a":"\\u0000"}')).not.toThrow();
  });
});
