export {
  DRIFT_KINDS,
  type DriftExample,
  type DriftKind,
  detectSchemaDrift,
  detectSchemaDriftReport,
  driftExample,
  driftPath,
  driftShapeKey,
  EXAMPLE_MAX_CHARS,
  isSensitiveKey,
  MAX_DRIFT_PATH_CHARS,
  MAX_DRIFT_ROWS,
  REDACTED,
  type SchemaDrift,
  type SchemaDriftReport,
} from './drift/index.js';
export { isWebhookEventType, WEBHOOK_EVENT_TYPES, type WebhookEventType } from './event-types.js';
export * from './known-values.js';
export {
  type ParseOptions,
  parseWebhookEvent,
  type SafeParseResult,
  safeParseWebhookEvent,
} from './parse.js';
export type { OpenEnum, ValidationMode } from './schema-builder.js';
export {
  actionLogCompletedSchema,
  actionLogFailedSchema,
  documentExtractedSchema,
  documentReceivedSchema,
  eventSchemasByMode,
  leadCompletedSchema,
  leadCreatedSchema,
  leadUpdatedSchema,
  strictWebhookEventSchema,
  type WebhookEvent,
  type WebhookEventInput,
  type WebhookEventOf,
  webhookEventSchema,
} from './schemas.js';
export { WebhookEventValidationError, type WebhookValidationIssue } from './validation-error.js';
