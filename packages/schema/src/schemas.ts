import type { z } from 'zod';
import { defineEventSchemas, type EventSchemas } from './event-schemas.js';
import type { WebhookEventType } from './event-types.js';
import type { ValidationMode } from './schema-builder.js';

const lenient = defineEventSchemas('lenient');
const strict = defineEventSchemas('strict');

export const eventSchemasByMode: Readonly<Record<ValidationMode, EventSchemas>> = { lenient, strict };

/** the lenient union: what a production receiver should accept */
export const webhookEventSchema = lenient.webhookEventSchema;
/** the strict union: unknown keys and enum values are errors (contract tests) */
export const strictWebhookEventSchema = strict.webhookEventSchema;

export const actionLogCompletedSchema = lenient.byType['action_log.completed'];
export const actionLogFailedSchema = lenient.byType['action_log.failed'];
export const documentReceivedSchema = lenient.byType['document.received'];
export const documentExtractedSchema = lenient.byType['document.extracted'];
export const leadCreatedSchema = lenient.byType['lead.created'];
export const leadUpdatedSchema = lenient.byType['lead.updated'];
export const leadCompletedSchema = lenient.byType['lead.completed'];

export type WebhookEvent = z.output<typeof webhookEventSchema>;
export type WebhookEventOf<T extends WebhookEventType> = Extract<WebhookEvent, { event: T }>;
/** the payload as it travels, before normalization (e.g. `document.extracted.status` in any case) */
export type WebhookEventInput = z.input<typeof webhookEventSchema>;
