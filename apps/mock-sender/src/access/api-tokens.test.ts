import { describe, expect, it } from 'vitest';
import { ApiTokens, bearerToken } from './api-tokens.js';

describe('ApiTokens', () => {
  const tokens = new ApiTokens(['first-token-0123456789', 'second-token-0123456789']);

  it('labels each rotation token by its place', () => {
    expect(tokens.match('first-token-0123456789')).toBe('token#1');
    expect(tokens.match('second-token-0123456789')).toBe('token#2');
  });

  it('matches nothing shorter, longer or otherwise close', () => {
    for (const near of [
      'first-token-012345678',
      'first-token-01234567890',
      'First-token-0123456789',
      '',
      ' ',
    ]) {
      expect(tokens.match(near), near).toBeUndefined();
    }
  });

  it('is not required without tokens, and then matches nothing', () => {
    const none = new ApiTokens([]);
    expect(none.required).toBe(false);
    expect(none.match('anything-at-all-0123')).toBeUndefined();
    expect(tokens.required).toBe(true);
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['Bearer   abc  ', 'abc'],
    ['Basic abc', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    [undefined, undefined],
  ])('reads %j as %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});
