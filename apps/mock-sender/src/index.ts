export { ConcurrencyLimit, KeyedConcurrencyLimit } from './concurrency-limit.js';
export { CONFIG_VARIABLES, ConfigError, loadConfig, type SenderConfig } from './config.js';
export { openDatabase, type SqliteDatabase } from './database.js';
export { RESPONSE_BODY_LIMIT_BYTES, sendAttempt } from './delivery-attempt.js';
export {
  type AttemptReport,
  DeliveryEngine,
  type DeliveryEngineOptions,
  type SettledReport,
} from './delivery-engine.js';
export {
  DEFAULT_ENDPOINT_ID,
  type Endpoint,
  type EndpointInput,
  EndpointRegistry,
  type EndpointView,
} from './endpoint-registry.js';
export { buildEvents, type EventRequest, MAX_EVENTS_PER_REQUEST } from './event-factory.js';
export { createHttpApi, type HttpApiOptions } from './http-api.js';
export { createLogger } from './logger.js';
export { createMockSender, type MockSender, type MockSenderOptions } from './mock-sender.js';
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
} from './outbox.js';
export {
  OutboxInUseError,
  OutboxOwner,
  type OutboxOwnerOptions,
  type OwnerRecord,
} from './outbox-owner.js';
export { retryOptionsAfter, waitAfterAttempt } from './retry-schedule.js';
