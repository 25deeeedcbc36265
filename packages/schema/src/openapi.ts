import { WEBHOOK_EVENT_TYPES } from './event-types.js';
import { eventJsonSchema, eventTitle, JSON_SCHEMA_DIALECT, type JsonSchema } from './json-schema.js';

// mirrors DEFAULT_SECRET_HEADER of @omni-webhooks/contract, which depends on this package
const SECRET_HEADER = 'x-webhook-secret';

const errorBody: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        issues: {
          type: 'array',
          items: {
            type: 'object',
            required: ['path', 'message', 'code'],
            properties: {
              path: { type: 'array', items: { type: ['string', 'integer'] } },
              message: { type: 'string' },
              code: { type: 'string' },
            },
          },
        },
      },
    },
  },
};

function errorResponse(description: string) {
  return {
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/WebhookError' } } },
  };
}

function withoutDialect(schema: JsonSchema): JsonSchema {
  const { $schema: _, $id: __, ...rest } = schema;
  return rest;
}

export function webhooksOpenApiDocument(version: string): JsonSchema {
  const schemas: Record<string, JsonSchema> = { WebhookError: errorBody };
  const webhooks: Record<string, unknown> = {};
  for (const type of WEBHOOK_EVENT_TYPES) {
    const title = eventTitle(type);
    const schema = withoutDialect(eventJsonSchema(type, 'lenient'));
    schemas[title] = schema;
    webhooks[type] = {
      post: {
        operationId: `receive${title}`,
        summary: type,
        description: `${String(schema.description)}. Success is HTTP 200 within 5 s; anything else is retried after 1, 2 and 4 minutes (4 attempts at most).`,
        parameters: [
          {
            name: SECRET_HEADER,
            in: 'header',
            required: false,
            description:
              "the secret configured on the OmniAI webhook, when one is set. OmniAI does not document the header name: x-webhook-secret is this toolkit's default, configurable (WEBHOOK_SECRET_HEADER).",
            schema: { type: 'string' },
          },
        ],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: `#/components/schemas/${title}` } } },
        },
        responses: {
          '200': { description: 'event accepted (durably stored, or ignored when unknown)' },
          '400': errorResponse(
            'body is not a JSON object with a string "event", or the event fails the schema',
          ),
          '401': errorResponse('missing or wrong secret'),
          '413': errorResponse('body over the size limit'),
          '415': errorResponse('content type is not JSON'),
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: JSON_SCHEMA_DIALECT,
    info: {
      title: 'OmniAI webhooks',
      version,
      license: { name: 'MIT', identifier: 'MIT' },
      description:
        'The events OmniAI POSTs to a webhook endpoint, and the responses a receiver built with omni-webhooks gives. Schemas are lenient: unknown fields and enum values, nulls, any date-time string and other JSON in value-like fields are allowed; only the identifying fields are required, as a production receiver should.',
    },
    webhooks,
    components: { schemas },
  };
}
