import { isWebhookEventType, type WebhookEventType } from '../event-types.js';
import { type SchemaOutline, strictOutline } from './schema-outline.js';

// the outline as a tree, so the walk follows keys without building path strings: it runs on every
// stored event, and must cost less than parsing it
interface ShapeNode {
  children: Map<string, ShapeNode>;
  item: ShapeNode | undefined;
  enumLike: boolean;
  opaque: boolean;
  open: boolean;
}

const trees = new Map<WebhookEventType, ShapeNode>();

function buildTree(outline: SchemaOutline): ShapeNode {
  const nodes = new Map<string, ShapeNode>();
  const nodeAt = (path: string): ShapeNode => {
    let node = nodes.get(path);
    if (!node) {
      const info = outline.get(path);
      node = {
        children: new Map(),
        item: undefined,
        enumLike: info?.knownValues !== undefined,
        opaque: info?.opaque === true,
        open: info?.open === true,
      };
      nodes.set(path, node);
    }
    return node;
  };
  // parents before children: the outline is built top-down
  for (const path of outline.keys()) {
    const node = nodeAt(path);
    if (path === '') continue;
    if (path.endsWith('[]')) {
      nodeAt(path.slice(0, -2)).item = node;
      continue;
    }
    const dot = path.lastIndexOf('.');
    const parent = dot === -1 ? '' : path.slice(0, dot);
    nodeAt(parent).children.set(dot === -1 ? path : path.slice(dot + 1), node);
  }
  return nodeAt('');
}

function treeOf(type: WebhookEventType): ShapeNode {
  let tree = trees.get(type);
  if (!tree) {
    tree = buildTree(strictOutline(type));
    trees.set(type, tree);
  }
  return tree;
}

// one character per json type keeps the key short
function typeCode(value: unknown): string {
  if (value === null) return 'n';
  switch (typeof value) {
    case 'string':
      return 's';
    case 'number':
      return 'd';
    case 'boolean':
      return 'b';
    case 'object':
      return Array.isArray(value) ? 'a' : 'o';
    default:
      return 'u';
  }
}

function shapeOf(value: unknown, node: ShapeNode | undefined): string {
  const code = typeCode(value);
  // an enum-like value is part of the shape: a new value is a new shape
  if (code === 's') return node?.enumLike ? `s=${value as string}\u0001` : 's';
  // below an unknown field or an opaque value, every key is the field's own business
  if (!node || node.opaque) return code;
  if (code === 'a') {
    const items = value as unknown[];
    if (items.length === 0) return 'a[]';
    if (items.length === 1) return `a[${shapeOf(items[0], node.item)}]`;
    // the distinct item shapes, so the length of a list does not make a new shape
    const distinct = new Set<string>();
    for (const item of items) distinct.add(shapeOf(item, node.item));
    return `a[${[...distinct].sort().join('|')}]`;
  }
  if (code !== 'o') return code;
  let shape = 'o{';
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i] as string;
    const child = node.children.get(key);
    // open objects keep unknown keys in strict mode too: not drift, not shape
    if (!child && node.open) continue;
    // \u0001 ends a key: json text may hold it only escaped, and an ambiguous key costs a cache entry at most
    shape += `${key}\u0001${shapeOf(object[key], child)}`;
  }
  return `${shape}}`;
}

/**
 * the shape of a payload as drift detection sees it: the keys present with their json types, and the
 * values of enum-like fields. two payloads of one shape have the same unknown fields, new enum values,
 * type mismatches and missing fields (only a format, such as a date-time's offset, may differ), so a
 * receiver can run detection once per shape
 */
export function driftShapeKey(eventType: string, payload: unknown): string {
  if (!isWebhookEventType(eventType)) return `?${eventType}`;
  return `${eventType}:${shapeOf(payload, treeOf(eventType))}`;
}
