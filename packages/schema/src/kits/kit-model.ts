// what the Go and Python kits are generated from: the JSON Schema of every event in both modes (the
// same conversion as the committed files), read as named object types, fields and enums
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../event-types.js';
import { eventJsonSchema, eventTitle, type JsonSchema } from '../json-schema.js';
import * as knownValues from '../known-values.js';
import type { ValidationMode } from '../schema-builder.js';

export interface KitField {
  key: string;
  schema: JsonSchema;
  required: boolean;
  description?: string;
}

export interface KitModel {
  name: string;
  /** where the type first appears, `lead.completed:data.checklistItems[]` */
  path: string;
  description?: string;
  /** additionalProperties: false (strict objects refuse unknown keys) */
  closed: boolean;
  fields: KitField[];
}

export interface KitEnum {
  name: string;
  values: readonly string[];
}

export interface KitEvent {
  type: WebhookEventType;
  name: string;
  schema: JsonSchema;
}

export interface KitMode {
  mode: ValidationMode;
  events: KitEvent[];
  /** every object type, in first-seen order */
  models: KitModel[];
  /** the model name of the object node at a path */
  modelAt(path: string): string;
}

// the only keywords the kits' validators and type mappings read: a new one must be taught to them first
const SUPPORTED_KEYWORDS = new Set([
  '$id',
  '$schema',
  'title',
  'description',
  'type',
  'const',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'anyOf',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'pattern',
  'format',
]);

// keys that say little about the object under them
const TYPE_NAME_HINTS: Record<string, string> = {
  value: 'Address',
  alternateValues: 'Address',
  input: 'ActionLogInput',
  metadata: 'InputMetadata',
  items: 'ExtractedItem',
  validation: 'ItemValidation',
  validationResult: 'DocumentValidation',
  validationResults: 'ValidationRuleResult',
};

export function pascalCase(words: string): string {
  return words
    .split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/)
    .filter(Boolean)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase())
    .join('');
}

function singular(key: string): string {
  if (key.endsWith('uses')) return key.slice(0, -2);
  return key.endsWith('s') ? key.slice(0, -1) : key;
}

export function isObjectNode(node: JsonSchema): boolean {
  return node.type === 'object' && typeof node.properties === 'object' && node.properties !== null;
}

/** the branches of a node with nested anyOf flattened and `null` (as a branch or in `type`) taken out */
export function branches(node: JsonSchema): { members: JsonSchema[]; nullable: boolean } {
  if (Array.isArray(node.anyOf)) {
    const parts = (node.anyOf as JsonSchema[]).map(branches);
    return { members: parts.flatMap((part) => part.members), nullable: parts.some((part) => part.nullable) };
  }
  if (Array.isArray(node.type)) {
    const types = node.type as string[];
    const others = types.filter((type) => type !== 'null');
    const nullable = others.length < types.length;
    return { members: others.map((type) => ({ ...node, type })), nullable };
  }
  if (node.type === 'null') return { members: [], nullable: true };
  return { members: [node], nullable: false };
}

function checkKeywords(node: unknown, where: string): void {
  if (typeof node !== 'object' || node === null) return;
  if (Array.isArray(node)) {
    for (const item of node) checkKeywords(item, where);
    return;
  }
  for (const [key, value] of Object.entries(node)) {
    if (!SUPPORTED_KEYWORDS.has(key))
      throw new Error(`kits: unsupported JSON Schema keyword ${key} at ${where}`);
    if (key === 'properties') {
      for (const [name, child] of Object.entries(value as object)) checkKeywords(child, `${where}.${name}`);
    } else checkKeywords(value, where);
  }
}

function structureKey(node: JsonSchema): string {
  return JSON.stringify(node, (key, value) => (key === 'description' ? undefined : value));
}

interface ObjectSite {
  path: string;
  key: string;
  parentPath: string | undefined;
  node: JsonSchema;
}

// every object node with properties, parents before children
function objectSites(type: WebhookEventType, root: JsonSchema): ObjectSite[] {
  const sites: ObjectSite[] = [];
  const visit = (node: JsonSchema, path: string, key: string, parentPath: string | undefined) => {
    for (const member of branches(node).members) {
      let parent = parentPath;
      if (isObjectNode(member)) {
        sites.push({ path, key, parentPath, node: member });
        parent = path;
        for (const [name, child] of Object.entries(member.properties as Record<string, JsonSchema>)) {
          visit(child, `${path}.${name}`, name, parent);
        }
      }
      if (member.type === 'array' && member.items)
        visit(member.items as JsonSchema, `${path}[]`, key, parent);
    }
  };
  visit(root, `${type}:`, '', undefined);
  return sites;
}

function fieldsOf(node: JsonSchema): KitField[] {
  const required = new Set((node.required as string[] | undefined) ?? []);
  return Object.entries(node.properties as Record<string, JsonSchema>).map(([key, schema]) => ({
    key,
    schema,
    required: required.has(key),
    ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
  }));
}

// a name per object path: the key's (singular) name where one structure carries it, else prefixed by
// the parent's name; the paths of both modes share the names chosen from the lenient tree
function nameObjects(sitesByEvent: ObjectSite[][]): Map<string, string> {
  const names = new Map<string, string>();
  const sites = sitesByEvent.flat();
  const candidate = (site: ObjectSite) =>
    site.parentPath === undefined
      ? eventTitle(site.path.slice(0, -1) as WebhookEventType)
      : (TYPE_NAME_HINTS[site.key] ?? pascalCase(singular(site.key)));
  const structures = new Map<string, Set<string>>();
  for (const site of sites) {
    const name = candidate(site);
    structures.set(name, (structures.get(name) ?? new Set()).add(structureKey(site.node)));
  }
  for (const site of sites) {
    const name = candidate(site);
    if ((structures.get(name)?.size ?? 0) <= 1 || site.parentPath === undefined) names.set(site.path, name);
    else {
      const parent = names.get(site.parentPath) ?? '';
      names.set(site.path, `${parent.replace(/Event$/, '')}${name}`);
    }
  }
  return names;
}

function buildMode(mode: ValidationMode, names: Map<string, string>): KitMode {
  const events = WEBHOOK_EVENT_TYPES.map((type) => ({
    type,
    name: eventTitle(type),
    schema: eventJsonSchema(type, mode),
  }));
  const models = new Map<string, KitModel>();
  const structures = new Map<string, string>();
  const modelAt = new Map<string, string>();
  for (const event of events) {
    checkKeywords(event.schema, event.type);
    for (const site of objectSites(event.type, event.schema)) {
      const name = names.get(site.path) ?? `${names.get(site.parentPath ?? '') ?? ''}${pascalCase(site.key)}`;
      const key = structureKey(site.node);
      const seen = structures.get(name);
      if (seen !== undefined && seen !== key) {
        throw new Error(`kits: ${name} (${site.path}) has two ${mode} shapes; add a TYPE_NAME_HINTS entry`);
      }
      modelAt.set(site.path, name);
      if (seen === undefined) {
        structures.set(name, key);
        models.set(name, {
          name,
          path: site.path,
          ...(typeof site.node.description === 'string' ? { description: site.node.description } : {}),
          closed: site.node.additionalProperties === false,
          fields: fieldsOf(site.node),
        });
      }
    }
  }
  return {
    mode,
    events,
    models: [...models.values()],
    modelAt: (path) => {
      const name = modelAt.get(path);
      if (!name) throw new Error(`kits: no object type at ${path}`);
      return name;
    },
  };
}

// sorted by name: the order of a module namespace's keys differs between runtimes (node, vitest)
const KNOWN_LISTS: KitEnum[] = Object.entries(knownValues)
  .map(([exportName, values]) => ({ name: pascalCase(singular(exportName.toLowerCase())), values }))
  .sort((a, b) => (a.name < b.name ? -1 : 1));

/** the known-values list an enum-like node of a strict schema draws from (by its values or its case-insensitive pattern) */
export function knownEnumOf(strictNode: JsonSchema, parentName: string): KitEnum | undefined {
  const { members } = branches(strictNode);
  const member = members.length === 1 ? members[0] : undefined;
  if (member?.type !== 'string') return undefined;
  let matches: KitEnum[] = [];
  if (Array.isArray(member.enum)) {
    const values = member.enum as string[];
    matches = KNOWN_LISTS.filter((list) => values.every((value) => list.values.includes(value)));
  } else if (typeof member.pattern === 'string' && /^\^\(\?:\[/.test(member.pattern)) {
    const pattern = new RegExp(member.pattern.replace('$(?!\\n)', '$'));
    matches = KNOWN_LISTS.filter((list) =>
      list.values.every((value) => pattern.test(value) && pattern.test(value.toUpperCase())),
    );
  }
  if (matches.length > 1) {
    matches = matches.filter((list) => parentName.includes(list.name.replace(/[A-Z][a-z]+$/, '')));
  }
  if (matches.length > 1) throw new Error(`kits: ${parentName} matches ${matches.map((m) => m.name)}`);
  return matches[0];
}

export interface KitSchema {
  lenient: KitMode;
  strict: KitMode;
  /** every known-values list, by its type name */
  enums: KitEnum[];
  /** `path of a string field` -> the known-values list it is open to (lenient) or closed to (strict) */
  enumAt(path: string): KitEnum | undefined;
}

export function buildKitSchema(): KitSchema {
  const lenientSites = WEBHOOK_EVENT_TYPES.map((type) => objectSites(type, eventJsonSchema(type, 'lenient')));
  const names = nameObjects(lenientSites);
  const lenient = buildMode('lenient', names);
  const strict = buildMode('strict', names);
  const enumPaths = new Map<string, KitEnum>();
  for (const event of strict.events) {
    for (const site of objectSites(event.type, event.schema)) {
      for (const field of fieldsOf(site.node)) {
        const path = `${site.path}.${field.key}`;
        const found = knownEnumOf(field.schema, strict.modelAt(site.path));
        if (found) enumPaths.set(path, found);
      }
    }
  }
  return { lenient, strict, enums: KNOWN_LISTS, enumAt: (path) => enumPaths.get(path) };
}
