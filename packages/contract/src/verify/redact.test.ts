import { describe, expect, test } from 'vitest';
import { redactCredentials } from './redact.js';

describe('redactCredentials', () => {
  const target = {
    url: 'http://127.0.0.1:3000/webhooks/omniai',
    secret: 'the-secret',
    signingKey: 'whsec_c2lnbmluZy1rZXktMDEyMzQ1Njc4OQ==',
    pathToken: 'token with/odd chars',
  };

  test('no credential of the run survives in what a receiver echoed, plain or url-encoded', () => {
    const echoed = `answered 307, a redirect to https://elsewhere/${encodeURIComponent(target.pathToken)}?s=the-secret&k=${target.signingKey}`;
    const redacted = redactCredentials(echoed, target);
    expect(redacted).toBe(
      'answered 307, a redirect to https://elsewhere/[redacted]?s=[redacted]&k=[redacted]',
    );
  });

  test('leaves text without them alone', () => {
    expect(redactCredentials('answered 500, expected 200', target)).toBe('answered 500, expected 200');
  });
});
