import type { z } from 'zod';
import { isWebhookEventType } from '../event-types.js';
import { eventSchemasByMode } from '../schemas.js';
import { type DriftExample, driftExample } from './drift-example.js';
import { type SchemaOutline, strictOutline } from './schema-outline.js';

export const DRIFT_KINDS = [
  'unknown_field',
  'new_enum_value',
  'type_mismatch',
  'format_mismatch',
  'missing_required',
  'unknown_event',
] as const;

export type DriftKind = (typeof DRIFT_KINDS)[number];

/** one thing strict mode would flag in a payload lenient mode keeps */
export interface SchemaDrift {
  /** json path, keys joined with `.`, array items as `[]` (`actionLog.messages[].channel`) */
  path: string;
  kind: DriftKind;
  /** what the schema says: a type, a format, or the known values (comma-separated) */
  expected?: string;
  /** the json type seen (`null`, `boolean`, `missing`, ...); for a new enum value or event, the value */
  seen: string;
  /** one value seen there, redacted when personal or secret, cut to 64 characters */
  example: DriftExample;
}

type Key = string | number;

const MAX_ISSUES = 1000;
type Issue = z.core.$ZodIssue;

/** most drift rows one event yields: one issue may name every key of a megabyte body */
export const MAX_DRIFT_ROWS = 100;

/** longest drift path kept (a key is the sender's choice, and a path is stored and indexed) */
export const MAX_DRIFT_PATH_CHARS = 256;

/** what detection found in one event: at most MAX_DRIFT_ROWS rows, and how many more it left out */
export interface SchemaDriftReport {
  drifts: SchemaDrift[];
  leftOut: number;
}

/** `path` cut to MAX_DRIFT_PATH_CHARS, ending in `…` when cut; never splits a surrogate pair */
function cutPath(path: string): string {
  if (path.length <= MAX_DRIFT_PATH_CHARS) return path;
  let end = MAX_DRIFT_PATH_CHARS - 1;
  if (/[\ud800-\udbff]/.test(path.charAt(end - 1))) end -= 1;
  return `${path.slice(0, end)}…`;
}

/** distinct rows by path and kind, up to MAX_DRIFT_ROWS; counts the distinct rows past it */
class DriftRows {
  readonly drifts: SchemaDrift[] = [];
  leftOut = 0;
  private readonly seen = new Set<string>();

  get full(): boolean {
    return this.drifts.length >= MAX_DRIFT_ROWS;
  }

  add(drift: SchemaDrift): void {
    const key = `${drift.path}\u0000${drift.kind}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.full) this.leftOut += 1;
    else this.drifts.push(drift);
  }
}

export function jsonType(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** `['a', 0, 'b']` -> `a[].b` */
export function driftPath(keys: readonly Key[]): string {
  let path = '';
  for (const key of keys) {
    if (typeof key === 'number') path += '[]';
    else path = path === '' ? key : `${path}.${key}`;
  }
  return path;
}

function valueAt(root: unknown, keys: readonly Key[]): { present: boolean; value: unknown } {
  let value = root;
  for (const key of keys) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) {
      return { present: false, value: undefined };
    }
    value = (value as Record<Key, unknown>)[key];
  }
  return { present: true, value };
}

function cutText(text: string): string {
  return text.length > 64 ? Array.from(text).slice(0, 64).join('') : text;
}

// zod's name for an object of any keys is `record`; people say object
function typeName(zodType: string): string {
  return zodType === 'record' ? 'object' : zodType;
}

function formatExpected(issue: Issue): string {
  if (issue.code === 'invalid_format') {
    if (issue.format === 'datetime') return 'ISO-8601 date-time with Z or an offset';
    if (issue.format === 'url') return 'URL';
    return issue.message.replace(/^expected /, '');
  }
  if (issue.code === 'too_small') return `>= ${String(issue.minimum)}`;
  if (issue.code === 'too_big') return `<= ${String(issue.maximum)}`;
  return issue.message;
}

/** the types each branch of a failed union wanted at its own path (`string | number | object`) */
function unionExpected(branches: Issue[][]): string {
  const types = new Set<string>();
  for (const branch of branches) {
    for (const issue of branch) {
      if (issue.path.length === 0 && issue.code === 'invalid_type') types.add(typeName(issue.expected));
    }
  }
  return [...types].join(' | ') || 'another shape';
}

/** turns strict-mode issues into drift rows, descending into the union branch whose type matched */
function classify(
  issues: readonly Issue[],
  prefix: readonly Key[],
  payload: unknown,
  outline: SchemaOutline,
  out: DriftRows,
): void {
  for (const issue of issues) {
    const keys = [...prefix, ...issue.path.filter((key): key is Key => typeof key !== 'symbol')];
    const push = (at: readonly Key[], kind: DriftKind, seen: string, value: unknown, expected?: string) =>
      out.add({
        path: cutPath(driftPath(at)),
        kind,
        ...(expected === undefined ? {} : { expected }),
        seen,
        example: driftExample(at, value),
      });
    if (issue.code === 'unrecognized_keys') {
      for (const [index, key] of issue.keys.entries()) {
        // the keys of one object are distinct: those past the cap are counted, not looked at
        if (out.full) {
          out.leftOut += issue.keys.length - index;
          break;
        }
        const value = valueAt(payload, [...keys, key]).value;
        push([...keys, key], 'unknown_field', jsonType(value), value);
      }
      continue;
    }
    const { present, value } = valueAt(payload, keys);
    if (issue.code === 'invalid_union') {
      // a branch failing only below this path took the value's type: its issues say what differs
      const matched = issue.errors.find(
        (branch) => branch.length > 0 && branch.every((inner) => inner.path.length > 0),
      );
      if (matched) classify(matched, keys, payload, outline, out);
      else push(keys, 'type_mismatch', jsonType(value), value, unionExpected(issue.errors));
      continue;
    }
    const expectedType = issue.code === 'invalid_type' ? typeName(issue.expected) : 'string';
    if (!present) {
      push(keys, 'missing_required', 'missing', undefined, expectedType);
      continue;
    }
    const known = outline.get(driftPath(keys))?.knownValues;
    if (known && typeof value === 'string') {
      push(keys, 'new_enum_value', cutText(value), value, known.join(', '));
    } else if (issue.code === 'invalid_type' || issue.code === 'invalid_value') {
      push(keys, 'type_mismatch', jsonType(value), value, expectedType);
    } else {
      push(keys, 'format_mismatch', jsonType(value), value, formatExpected(issue));
    }
  }
}

/**
 * what the strict schema would flag in `payload`, an event of type `eventType` (its `event` field), as
 * one row per path and kind. an empty list for a payload strict mode accepts
 */
export function detectSchemaDrift(eventType: string, payload: unknown): SchemaDrift[] {
  return detectSchemaDriftReport(eventType, payload).drifts;
}

/** as detectSchemaDrift, with the count of distinct rows left out past MAX_DRIFT_ROWS */
export function detectSchemaDriftReport(eventType: string, payload: unknown): SchemaDriftReport {
  if (!isWebhookEventType(eventType)) {
    const drift: SchemaDrift = {
      path: 'event',
      kind: 'unknown_event',
      seen: cutText(eventType),
      example: cutText(eventType),
    };
    return { drifts: [drift], leftOut: 0 };
  }
  const result = eventSchemasByMode.strict.byType[eventType].safeParse(payload);
  if (result.success) return { drifts: [], leftOut: 0 };
  const rows = new DriftRows();
  // a list of thousands of drifted items makes as many issues, and still a row or two
  classify(result.error.issues.slice(0, MAX_ISSUES), [], payload, strictOutline(eventType), rows);
  return { drifts: rows.drifts, leftOut: rows.leftOut };
}
