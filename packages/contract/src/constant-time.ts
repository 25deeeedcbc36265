import { timingSafeEqual } from 'node:crypto';

// every comparison of a secret, token or signature in this project goes through here. a unit test
// cannot see timing: review keeps it to this one helper, with no early exit in its callers' loops

/** true when `a` and `b` hold the same bytes; the time taken depends on their length only */
export function equalInConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  // lengths are public here: callers compare digests or MACs of a fixed size, or a token's known length
  return a.length === b.length && timingSafeEqual(a, b);
}
