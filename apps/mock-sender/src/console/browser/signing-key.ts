// the shape `signingKeyProblem` (@omni-webhooks/contract) accepts: whsec_ and base64 of the key bytes
const SIGNING_KEY_PREFIX = 'whsec_';
const SIGNING_KEY_BYTES = 32;

/** a fresh Standard Webhooks signing key, from the browser's CSPRNG */
export function generateSigningKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SIGNING_KEY_BYTES));
  return `${SIGNING_KEY_PREFIX}${btoa(String.fromCharCode(...bytes))}`;
}
