// the library's face: the sender as a whole, its configuration, and the parts the README names
// (engine, outbox, endpoints, event factory, HTTP API, scenario player); everything else is the inside
export { CONFIG_VARIABLES, ConfigError, loadConfig, type SenderConfig } from './config.js';
export {
  type AttemptReport,
  DeliveryEngine,
  type DeliveryEngineOptions,
  type SettledReport,
} from './delivery/delivery-engine.js';
export {
  DEFAULT_ENDPOINT_ID,
  type Endpoint,
  type EndpointInput,
  EndpointRegistry,
  type EndpointView,
} from './endpoints/endpoint-registry.js';
export {
  type BuildEventsOptions,
  buildEvents,
  type EventRequest,
  MAX_EVENTS_PER_REQUEST,
  type PrepareEvent,
} from './events/event-factory.js';
export { createHttpApi, type HttpApiOptions } from './http/http-api.js';
export { DEFAULT_REQUEST_LIMITS, type RequestLimits } from './http/request-limits.js';
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
export { OutboxInUseError } from './outbox/outbox-owner.js';
export {
  createEngineDeliverer,
  createInMemoryDeliverer,
  type EngineDeliverer,
  type EngineDelivererParts,
} from './scenarios/engine-deliverer.js';
export {
  type PlayerTimers,
  ScenarioPlayer,
  type ScenarioPlayerOptions,
} from './scenarios/scenario-player.js';
export type {
  AttemptRecord,
  DeliveryOutcome,
  PlayedDelivery,
  PlayResult,
  ScenarioDeliverer,
  ScenarioPlayerEvents,
  ScenarioProgress,
} from './scenarios/scenario-progress.js';
export { formatSummary, type RunSummary, SUMMARY_LINES, summarizeRun } from './scenarios/scenario-summary.js';
export { TargetGuard, type TargetGuardOptions, TargetRefusedError } from './targets/target-guard.js';
export { TargetPolicy, type TargetPolicyOptions } from './targets/target-policy.js';
