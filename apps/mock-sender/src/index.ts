export {
  type AccessControl,
  type AccessControlOptions,
  createAccessControl,
} from './access/access-control.js';
export { ApiTokens } from './access/api-tokens.js';
export { CONFIG_VARIABLES, ConfigError, loadConfig, type SenderConfig } from './config.js';
export { ConcurrencyLimit, KeyedConcurrencyLimit } from './delivery/concurrency-limit.js';
export { RESPONSE_BODY_LIMIT_BYTES, sendAttempt } from './delivery/delivery-attempt.js';
export {
  type AttemptReport,
  DeliveryEngine,
  type DeliveryEngineOptions,
  type SettledReport,
} from './delivery/delivery-engine.js';
export { retryOptionsAfter, waitAfterAttempt } from './delivery/retry-schedule.js';
export {
  DEFAULT_ENDPOINT_ID,
  type Endpoint,
  type EndpointInput,
  EndpointRegistry,
  type EndpointView,
} from './endpoints/endpoint-registry.js';
export { buildEvents, type EventRequest, MAX_EVENTS_PER_REQUEST } from './events/event-factory.js';
export { createHttpApi, type HttpApiOptions } from './http/http-api.js';
export { DEFAULT_REQUEST_LIMITS, type RequestLimits } from './http/request-limits.js';
export { createLogger } from './logger.js';
export { createMockSender, type MockSender, type MockSenderOptions } from './mock-sender.js';
export { openDatabase, type SqliteDatabase } from './outbox/database.js';
export {
  type AttemptSummary,
  type AttemptView,
  DELIVERY_STATES,
  type DeliveryListItem,
  type DeliveryPage,
  type DeliveryState,
  type DeliverySummary,
  type DeliveryTarget,
  type DeliveryView,
  Outbox,
} from './outbox/outbox.js';
export {
  OutboxInUseError,
  OutboxOwner,
  type OutboxOwnerOptions,
  type OwnerRecord,
} from './outbox/outbox-owner.js';
export {
  type ResolvedAddress,
  type ResolveHost,
  TargetGuard,
  type TargetGuardOptions,
  TargetRefusedError,
} from './targets/target-guard.js';
export {
  type AddressClass,
  classifyAddress,
  parseTargetEntry,
  type TargetEntry,
  TargetPolicy,
  type TargetPolicyOptions,
} from './targets/target-policy.js';
