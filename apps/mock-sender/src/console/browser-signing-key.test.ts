import { SIGNING_KEY_PREFIX, signingKeyProblem } from '@omni-webhooks/contract';
import { describe, expect, it } from 'vitest';
import { generateSigningKey } from './browser/signing-key.js';

describe("the console's Generate signing key", () => {
  it('makes keys the API accepts, 32 random bytes each time', () => {
    const keys = [generateSigningKey(), generateSigningKey()];
    for (const key of keys) {
      expect(signingKeyProblem(key)).toBeUndefined();
      expect(key.startsWith(SIGNING_KEY_PREFIX)).toBe(true);
      expect(Buffer.from(key.slice(SIGNING_KEY_PREFIX.length), 'base64')).toHaveLength(32);
    }
    expect(keys[0]).not.toBe(keys[1]);
  });
});
