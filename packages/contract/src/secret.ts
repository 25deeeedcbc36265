import * as crypto from 'node:crypto';
import { equalInConstantTime } from './constant-time.js';

// one call where node has crypto.hash (20.12 on), else a hash object
const digest: (value: string) => Buffer =
  typeof crypto.hash === 'function'
    ? (value) => crypto.hash('sha256', value, 'buffer')
    : (value) => crypto.createHash('sha256').update(value, 'utf8').digest();

/**
 * True when `received` equals one of `secrets` (several during a rotation).
 * Compares SHA-256 digests with `equalInConstantTime`, so neither the content nor the length of a secret
 * leaks through timing, and every secret is compared (no early exit).
 * Empty strings never match.
 */
export function verifySecret(received: string | undefined, secrets: readonly string[]): boolean {
  return secretVerifier(secrets)(received);
}

/**
 * `verifySecret` against a list fixed at start-up: the secrets are hashed once here, not on every
 * request; each call then hashes only what was received
 */
export function secretVerifier(secrets: readonly string[]): (received: string | undefined) => boolean {
  const digests = secrets.filter((secret) => secret !== '').map(digest);
  return (received) => {
    if (received === undefined || received === '') {
      return false;
    }
    const receivedDigest = digest(received);
    let matched = false;
    for (const secretDigest of digests) {
      // non-short-circuit or: every secret is compared whatever the earlier ones gave
      matched = equalInConstantTime(receivedDigest, secretDigest) || matched;
    }
    return matched;
  };
}

/** splits a comma-separated secret list (`WEBHOOK_SECRET=new,old`), dropping blanks */
export function parseSecretList(value: string | undefined): string[] {
  if (value === undefined) {
    return [];
  }
  return value
    .split(',')
    .map((secret) => secret.trim())
    .filter((secret) => secret !== '');
}
