import { isWebhookEventType } from '../event-types.js';
import { jsonType } from './detect-drift.js';
import { childPath, type SchemaOutline, strictOutline } from './schema-outline.js';

function visit(value: unknown, path: string, outline: SchemaOutline, parts: Set<string>): void {
  const node = outline.get(path);
  const type = jsonType(value);
  // an enum-like value is part of the shape: a new value is a new shape
  parts.add(node?.knownValues && type === 'string' ? `${path}=${value as string}` : `${path}:${type}`);
  // below an unknown field or an opaque value, every key is the field's own business
  if (!node || node.opaque) return;
  if (type === 'array') {
    for (const item of value as unknown[]) visit(item, `${path}[]`, outline, parts);
  } else if (type === 'object') {
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      const child = childPath(path, key);
      // open objects keep unknown keys in strict mode too: not drift, not shape
      if (node.open && !outline.has(child)) continue;
      visit(item, child, outline, parts);
    }
  }
}

/**
 * the shape of a payload as drift detection sees it: the paths present with their json types, and the
 * values of enum-like fields. two payloads of one shape have the same unknown fields, new enum values,
 * type mismatches and missing fields (only a format, such as a date-time's offset, may differ), so a
 * receiver can run detection once per shape
 */
export function driftShapeKey(eventType: string, payload: unknown): string {
  if (!isWebhookEventType(eventType)) return `?${eventType}`;
  const parts = new Set<string>();
  visit(payload, '', strictOutline(eventType), parts);
  return `${eventType}\n${[...parts].join('\n')}`;
}
