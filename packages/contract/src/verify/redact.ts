import type { VerifyTarget } from './target.js';

// a receiver may echo what it was sent (a redirect's location, an error text): no credential of the
// run reaches the report, whatever the receiver answered
export function redactCredentials(text: string, target: VerifyTarget): string {
  const credentials = [target.secret, target.signingKey, target.pathToken].filter(
    (value): value is string => value !== undefined && value.length >= 4,
  );
  let redacted = text;
  for (const credential of credentials) {
    redacted = redacted
      .replaceAll(credential, '[redacted]')
      .replaceAll(encodeURIComponent(credential), '[redacted]');
  }
  return redacted;
}
