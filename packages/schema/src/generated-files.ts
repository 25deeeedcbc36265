import { WEBHOOK_EVENT_TYPES } from './event-types.js';
import { SCENARIO_JSON_SCHEMA_FILE, scenarioJsonSchema } from './fixtures/scenarios/scenario-json-schema.js';
import { eventJsonSchema, jsonSchemaFileName, webhookEventJsonSchema } from './json-schema.js';
import { renderKitFiles } from './kits/index.js';
import { webhooksOpenApiDocument } from './openapi.js';
import type { ValidationMode } from './schema-builder.js';

export const GENERATE_COMMAND = 'pnpm --filter @omni-webhooks/schema generate';
export const GENERATED_DIRS = ['json-schema', 'openapi'] as const;

function render(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** every generated file (JSON Schema, OpenAPI, the kits' generated sources), keyed by its path relative to the package root */
export function renderGeneratedFiles(packageVersion: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const mode of ['lenient', 'strict'] as const satisfies readonly ValidationMode[]) {
    files.set(
      `json-schema/${jsonSchemaFileName('webhook-event', mode)}`,
      render(webhookEventJsonSchema(mode)),
    );
    for (const type of WEBHOOK_EVENT_TYPES) {
      files.set(`json-schema/${jsonSchemaFileName(type, mode)}`, render(eventJsonSchema(type, mode)));
    }
  }
  files.set(`json-schema/${SCENARIO_JSON_SCHEMA_FILE}`, render(scenarioJsonSchema()));
  files.set('openapi/webhooks.openapi.json', render(webhooksOpenApiDocument(packageVersion)));
  // the Go and Python kits: only their generated files (the folders hold hand-written ones too)
  for (const [path, content] of renderKitFiles(packageVersion)) files.set(path, content);
  return files;
}
