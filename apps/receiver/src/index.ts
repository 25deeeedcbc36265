// the library: the middleware, its stores and what a handler or a custom store needs
export type { ExportLine } from '@omni-webhooks/contract';
export type { DriftRadar, DriftRadarOptions } from './drift/drift-radar.js';
export { canonicalJson } from './ingest/canonical-json.js';
export { type DedupeKeyFunction, type DedupeKeyInput, defaultDedupeKey } from './ingest/dedupe-key.js';
export { INGEST_RESPONSES, type IngestCode } from './ingest/ingest-responses.js';
export { createLogger } from './logger.js';
export { createReceiverMetrics, type ReceiverMetrics } from './metrics.js';
export type { EventWorker } from './processing/event-worker.js';
export { HandlerNeverFinishedError } from './processing/event-worker.js';
export type {
  AnyEventHandler,
  ErrorContext,
  ErrorHandler,
  EventHandler,
  HandlerContext,
} from './processing/handler-registry.js';
export type {
  FlatReceiverOptions,
  ReceiverAuthOptions,
  ReceiverDriftOptions,
  ReceiverIngestOptions,
  ReceiverWorkerOptions,
} from './receiver-options.js';
// the service: configured by the environment, as `pnpm receiver` runs it
export {
  ConfigError,
  loadConfig,
  type ReceiverConfig,
  receiverEnvSchema,
  SIGNATURE_MODES,
  type SignatureMode,
} from './service/config.js';
export { createReceiverApp, WEBHOOK_PATH } from './service/receiver-app.js';
export { type RunningReceiver, type StartReceiverOptions, startReceiver } from './service/receiver-server.js';
export type {
  DriftListOptions,
  DriftObservation,
  DriftRecord,
  ExportOptions,
} from './store/drift-records.js';
export {
  type ClaimedEvent,
  type ClaimOptions,
  type EventPage,
  type ExhaustedEvent,
  INBOX_STATUSES,
  type InboxIssue,
  type InboxStatus,
  type InboxStore,
  type InsertResult,
  InvalidCursorError,
  type ListedEvent,
  type ListedEventPage,
  type ListOptions,
  type NewInboxEvent,
  type StoredEvent,
  UnstorableEventError,
} from './store/inbox-store.js';
export { type OpenInboxStoreOptions, openInboxStore } from './store/open-inbox-store.js';
export {
  createPostgresInboxStore,
  type PostgresInboxStoreOptions,
} from './store/postgres/postgres-inbox-store.js';
export { createSqliteInboxStore, type SqliteInboxStoreOptions } from './store/sqlite/sqlite-inbox-store.js';
export {
  createWebhookReceiver,
  type WebhookReceiver,
  type WebhookReceiverOptions,
} from './webhook-receiver.js';
