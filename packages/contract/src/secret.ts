import { createHash } from 'node:crypto';
import { equalInConstantTime } from './constant-time.js';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * True when `received` equals one of `secrets` (several during a rotation).
 * Compares SHA-256 digests with `equalInConstantTime`, so neither the content nor the length of a secret
 * leaks through timing, and every secret is compared (no early exit).
 * Empty strings never match.
 */
export function verifySecret(received: string | undefined, secrets: readonly string[]): boolean {
  if (received === undefined || received === '') {
    return false;
  }
  const receivedDigest = digest(received);
  let matched = false;
  for (const secret of secrets) {
    if (secret === '') {
      continue;
    }
    // non-short-circuit or: every secret is compared whatever the earlier ones gave
    matched = equalInConstantTime(receivedDigest, digest(secret)) || matched;
  }
  return matched;
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
