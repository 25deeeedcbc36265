export { isLoopbackHost } from '../loopback.js';
export type { Check } from './checks.js';
export { conformanceChecks } from './checks.js';
export type { CheckOutcome, CheckStatus } from './expectations.js';
export { toJUnitXml } from './junit.js';
export { formatResult, formatSummary } from './report-line.js';
export { DEFAULT_TRAFFIC, type TrafficSettings } from './run-context.js';
export { DEFAULT_OVERSIZE_BYTES, type VerifyTarget } from './target.js';
export { targetWarnings } from './target-warnings.js';
export type { LatencyBucket, LatencySummary } from './traffic/latency.js';
export {
  type CheckResult,
  DEFAULT_DEADLINE_MS,
  type VerificationReport,
  type VerifyOptions,
  verifyReceiver,
} from './verify-receiver.js';
