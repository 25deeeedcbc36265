import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './event-types.js';
import type { ValidationMode } from './schema-builder.js';
import { eventSchemasByMode } from './schemas.js';

export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

export type JsonSchema = Record<string, unknown>;

// PascalCase title for an event name: document.received -> DocumentReceivedEvent
export function eventTitle(type: WebhookEventType): string {
  const words = type.split(/[._]/).map((word) => word.charAt(0).toUpperCase() + word.slice(1));
  return `${words.join('')}Event`;
}

function suffix(mode: ValidationMode): string {
  return mode === 'strict' ? '.strict' : '';
}

export function jsonSchemaFileName(type: WebhookEventType | 'webhook-event', mode: ValidationMode): string {
  return `${type}${suffix(mode)}.schema.json`;
}

// zod writes its regexes as ecmascript reads them; python's re (and others) let `$` match before a
// final newline and `\d` match any unicode digit. these forms mean the same in every dialect
function portablePattern(pattern: string): string {
  // [0-9] cannot stand inside a character class
  if (/\[[^\]]*\\d/.test(pattern)) throw new Error(`cannot make ${pattern} portable: \\d in a class`);
  return pattern.replaceAll('\\d', '[0-9]').replace(/\$$/, '$(?!\\n)');
}

function withPortablePatterns(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withPortablePatterns);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      key === 'pattern' && typeof item === 'string' ? portablePattern(item) : withPortablePatterns(item),
    ]),
  );
}

function convert(schema: z.ZodType, title: string, mode: ValidationMode): JsonSchema {
  // input io: the files describe the payload on the wire, before normalization
  const body = withPortablePatterns(
    z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw' }),
  ) as JsonSchema;
  const { $schema: _, ...rest } = body;
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: `urn:omni-webhooks:schema:${title}${suffix(mode)}`,
    title,
    ...rest,
  };
}

export function eventJsonSchema(type: WebhookEventType, mode: ValidationMode = 'lenient'): JsonSchema {
  return convert(eventSchemasByMode[mode].byType[type], eventTitle(type), mode);
}

export function webhookEventJsonSchema(mode: ValidationMode = 'lenient'): JsonSchema {
  const schema = convert(eventSchemasByMode[mode].webhookEventSchema, 'WebhookEvent', mode);
  return {
    ...schema,
    description: `an OmniAI webhook event, one of: ${WEBHOOK_EVENT_TYPES.join(', ')}; discriminated by "event"`,
  };
}
