import type { DriftRow } from './drift-rows.js';

const SCHEMAS = 'packages/schema/src/event-schemas.ts';
const KNOWN_VALUES = 'packages/schema/src/known-values.ts';

function parentAndKey(path: string): { parent: string; key: string } {
  const dot = path.lastIndexOf('.');
  return dot === -1
    ? { parent: 'the event', key: path }
    : { parent: path.slice(0, dot), key: path.slice(dot + 1) };
}

/** the schema change that would make strict mode accept what was seen, in plain words */
export function suggestSchemaChange(row: DriftRow): string {
  const { parent, key } = parentAndKey(row.path);
  switch (row.kind) {
    case 'unknown_field':
      return `add \`${key}: ${zodExpression(row.seen)}.optional()\` to the object at ${parent} (${SCHEMAS})`;
    case 'new_enum_value':
      return `add ${JSON.stringify(row.seen)} to the known values of ${row.path} (${KNOWN_VALUES}), or keep it open if OmniAI sends it only sometimes`;
    case 'type_mismatch':
      return row.seen === 'null'
        ? `make ${row.path} nullable: \`.nullable()\` (${SCHEMAS})`
        : `accept ${row.seen} as well as ${row.expected ?? 'the documented type'} at ${row.path}: \`z.union([...])\` (${SCHEMAS})`;
    case 'format_mismatch':
      return `relax the format of ${row.path} (expected ${row.expected ?? 'the documented format'}), e.g. a plain \`z.string()\` in strict mode too (${SCHEMAS})`;
    case 'missing_required':
      return `make ${row.path} optional: \`.optional()\` (${SCHEMAS})`;
    case 'unknown_event':
      return `add a schema for ${JSON.stringify(row.seen)} to WEBHOOK_EVENT_TYPES and ${SCHEMAS}, or leave it ignored`;
  }
}

function zodExpression(jsonType: string): string {
  switch (jsonType) {
    case 'string':
    case 'number':
    case 'boolean':
      return `z.${jsonType}()`;
    case 'array':
      return 'z.array(z.unknown())';
    case 'object':
      return 'z.looseObject({})';
    default:
      return 'z.unknown()';
  }
}
