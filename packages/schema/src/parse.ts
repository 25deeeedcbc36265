import type { ValidationMode } from './schema-builder.js';
import { eventSchemasByMode, type WebhookEvent } from './schemas.js';
import { WebhookEventValidationError } from './validation-error.js';

export interface ParseOptions {
  /** `lenient` (default) for production receivers, `strict` for contract tests */
  mode?: ValidationMode;
}

export type SafeParseResult =
  | { success: true; data: WebhookEvent }
  | { success: false; error: WebhookEventValidationError };

export function safeParseWebhookEvent(input: unknown, options: ParseOptions = {}): SafeParseResult {
  const schema = eventSchemasByMode[options.mode ?? 'lenient'].webhookEventSchema;
  const result = schema.safeParse(input);
  if (result.success) return { success: true, data: result.data };
  return { success: false, error: WebhookEventValidationError.fromZod(result.error) };
}

export function parseWebhookEvent(input: unknown, options?: ParseOptions): WebhookEvent {
  const result = safeParseWebhookEvent(input, options);
  if (!result.success) throw result.error;
  return result.data;
}
