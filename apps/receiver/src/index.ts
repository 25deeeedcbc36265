export type { ExportLine } from './admin/drift-routes.js';
export { createEventStreamHub, type EventStreamHub, type EventStreamOptions } from './admin/event-stream.js';
export {
  ConfigError,
  loadConfig,
  type ReceiverConfig,
  receiverEnvSchema,
  SIGNATURE_MODES,
  type SignatureMode,
} from './config.js';
export type { DriftRadar, DriftRadarOptions } from './drift/drift-radar.js';
export { canonicalJson } from './ingest/canonical-json.js';
export { type DedupeKeyFunction, type DedupeKeyInput, defaultDedupeKey } from './ingest/dedupe-key.js';
export { INGEST_RESPONSES, type IngestCode } from './ingest/ingest-responses.js';
export { createLogger } from './logger.js';
export { createReceiverMetrics, type ReceiverMetrics } from './metrics.js';
export { HandlerNeverFinishedError } from './processing/event-worker.js';
export type {
  AnyEventHandler,
  ErrorContext,
  ErrorHandler,
  EventHandler,
  HandlerContext,
} from './processing/handler-registry.js';
export { createReceiverApp, WEBHOOK_PATH } from './receiver-app.js';
export { type RunningReceiver, type StartReceiverOptions, startReceiver } from './receiver-server.js';
export {
  createInboxPruner,
  type InboxPruner,
  type InboxPrunerOptions,
  type PassReport,
} from './retention/inbox-pruner.js';
export type {
  DriftListOptions,
  DriftObservation,
  DriftRecord,
  ExportOptions,
} from './store/drift-records.js';
export type { EventFeedStore, FedEvent, FeedOptions } from './store/event-feed.js';
export * from './store/inbox-store.js';
export { type OpenInboxStoreOptions, openInboxStore } from './store/open-inbox-store.js';
export { createPostgresInboxStore, type PostgresInboxStoreOptions } from './store/postgres-inbox-store.js';
export type { RetentionPolicy, RetentionStore } from './store/retention.js';
export { createSqliteInboxStore, type SqliteInboxStoreOptions } from './store/sqlite-inbox-store.js';
export {
  createWebhookReceiver,
  type WebhookReceiver,
  type WebhookReceiverOptions,
} from './webhook-receiver.js';
