import { describe, expect, it } from 'vitest';
import { parseSecretList, secretVerifier, verifySecret } from './secret.js';

describe('verifySecret', () => {
  it('accepts the configured secret', () => {
    expect(verifySecret('s3cret', ['s3cret'])).toBe(true);
  });

  it('accepts any secret of a rotation, first or last', () => {
    expect(verifySecret('old', ['new', 'old'])).toBe(true);
    expect(verifySecret('new', ['new', 'old'])).toBe(true);
  });

  it('refuses a wrong, missing or empty secret', () => {
    expect(verifySecret('wrong', ['s3cret'])).toBe(false);
    expect(verifySecret(undefined, ['s3cret'])).toBe(false);
    expect(verifySecret('', ['s3cret'])).toBe(false);
    expect(verifySecret('', [''])).toBe(false);
    expect(verifySecret('s3cret', [])).toBe(false);
  });

  it('refuses a prefix, an extension or a case change of a secret', () => {
    expect(verifySecret('s3cre', ['s3cret'])).toBe(false);
    expect(verifySecret('s3cret!', ['s3cret'])).toBe(false);
    expect(verifySecret('S3CRET', ['s3cret'])).toBe(false);
  });
});

describe('secretVerifier', () => {
  it('answers as verifySecret for every call, with the list taken at creation', () => {
    const secrets = ['new', '', 'old'];
    const verify = secretVerifier(secrets);
    secrets.push('later');
    for (const received of ['new', 'old', 'wrong', '', undefined, 'ol', 'later']) {
      expect(verify(received)).toBe(verifySecret(received, ['new', 'old']));
    }
    expect(secretVerifier([])('x')).toBe(false);
  });
});

describe('parseSecretList', () => {
  it('splits on commas and drops blanks', () => {
    expect(parseSecretList('new, old,,')).toEqual(['new', 'old']);
    expect(parseSecretList(undefined)).toEqual([]);
    expect(parseSecretList('')).toEqual([]);
  });
});
