import type { z } from 'zod';
import type { WebhookEventType } from '../event-types.js';
import { knownEnumValues } from '../schema-builder.js';
import { eventSchemasByMode } from '../schemas.js';

/** what the strict schema says about one path (arrays as `[]`) */
export interface OutlineNode {
  /** an enum-like field: the values strict mode knows */
  knownValues?: readonly string[];
  /** any keys or values are fine below it (a record, an unknown value) */
  opaque?: boolean;
  /** an object keeping unknown keys in strict mode too (documented as carrying unpublished fields) */
  open?: boolean;
}

export type SchemaOutline = ReadonlyMap<string, OutlineNode>;

export function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

// zod's own definitions (`_zod.def`) are its documented surface for tools that walk schemas
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, string | number>;
  in?: z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

function walk(schema: z.ZodType, path: string, outline: Map<string, OutlineNode>): void {
  const node = outline.get(path) ?? {};
  outline.set(path, node);
  const registered = knownEnumValues.get(schema);
  if (registered) node.knownValues = registered;
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
      if (def.catchall && defOf(def.catchall).type !== 'never') node.open = true;
      for (const [key, child] of Object.entries(def.shape ?? {})) walk(child, childPath(path, key), outline);
      return;
    case 'array':
      if (def.element) walk(def.element, `${path}[]`, outline);
      return;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'readonly':
      if (def.innerType) walk(def.innerType, path, outline);
      return;
    case 'union':
      for (const option of def.options ?? []) walk(option, path, outline);
      return;
    case 'pipe':
      if (def.in) walk(def.in, path, outline);
      return;
    case 'enum':
      node.knownValues ??= Object.values(def.entries ?? {}).map(String);
      return;
    case 'record':
    case 'unknown':
    case 'any':
      node.opaque = true;
      return;
    default:
      return;
  }
}

const outlines = new Map<WebhookEventType, SchemaOutline>();

/** every path the strict schema of `type` describes; built once per type */
export function strictOutline(type: WebhookEventType): SchemaOutline {
  let outline = outlines.get(type);
  if (!outline) {
    const built = new Map<string, OutlineNode>();
    walk(eventSchemasByMode.strict.byType[type], '', built);
    outline = built;
    outlines.set(type, outline);
  }
  return outline;
}
