export {
  type BoundedAnswer,
  type BoundedFetchCause,
  BoundedFetchError,
  type BoundedFetchOptions,
  fetchBounded,
  readBodyUpTo,
} from './bounded-fetch.js';
export { equalInConstantTime } from './constant-time.js';
export {
  DEFAULT_SECRET_HEADER,
  DEFAULT_SUCCESS_RULE,
  DELIVERY_TIMEOUT_MS,
  isSuccessStatus,
  MAX_ATTEMPTS,
  RETRY_SCHEDULE,
  retryDelayMs,
  SUCCESS_RULES,
  type SuccessRule,
} from './delivery-contract.js';
export { isLoopbackHost } from './loopback.js';
export type { DriftResponse, DriftRow, ExportLine, StoredEventStatus } from './receiver-wire.js';
export { parseSecretList, secretVerifier, verifySecret } from './secret.js';
export {
  RESERVED_HEADER_NAMES,
  RESERVED_HEADER_PREFIXES,
  secretHeaderProblem,
} from './secret-header.js';
export {
  createBoundedServer,
  KEEP_ALIVE_TIMEOUT_MS,
  SERVER_BOUND_VARIABLES,
  type ServerBounds,
  serverBoundsProblem,
} from './server-bounds.js';
export {
  createSignatureHeaders,
  SIGNATURE_HEADERS,
  SIGNATURE_TOLERANCE_SECONDS,
  type SignatureErrorCode,
  type SignatureHeadersInput,
  type SignatureVerification,
  type SignInput,
  signWebhook,
  type VerifySignatureInput,
  verifyWebhookSignature,
} from './signature.js';
export {
  generateSigningKey,
  isSigningKey,
  MIN_SIGNING_KEY_BYTES,
  parseSigningKeys,
  SIGNING_KEY_PREFIX,
  signingKeyProblem,
} from './signing-key.js';
