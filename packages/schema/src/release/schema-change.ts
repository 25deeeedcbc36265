// classifies a change of the generated JSON Schema files by the release rule (README, "Releases and
// versioning"): a schema that refuses what it accepted, or a field gone from the types, is a major; a
// schema that accepts more (a new optional field, enum value or type) is a minor; wording is a patch
import { isDeepStrictEqual } from 'node:util';

export const CHANGE_LEVELS = ['none', 'patch', 'minor', 'major'] as const;
export type ChangeLevel = (typeof CHANGE_LEVELS)[number];

export interface SchemaChange {
  level: Exclude<ChangeLevel, 'none'>;
  /** `<file>: <json path>` */
  where: string;
  reason: string;
}

export interface SchemaChangeReport {
  level: ChangeLevel;
  changes: SchemaChange[];
}

type Schema = Record<string, unknown>;

// annotations change no verdict
const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', 'examples', 'default', 'deprecated']);
// keywords whose values are walked or compared as sets below; any other is a constraint
const STRUCTURAL = new Set([
  'type',
  'enum',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'anyOf',
  'oneOf',
]);

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asList(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function show(value: unknown): string {
  return JSON.stringify(value);
}

// pairs the branches of an anyOf / oneOf by what they are, so a changed branch is walked, not replaced
function branchKey(branch: unknown): string {
  if (!isSchema(branch)) return show(branch);
  if ('const' in branch) return `const:${show(branch.const)}`;
  return `type:${asList(branch.type).join('|')}`;
}

// false and {} are the two forms zod writes; a missing keyword allows anything, like {}
function allowsExtra(value: unknown): boolean {
  return value !== false;
}

// {type: x, ...} accepts what {anyOf: [{type: x, ...}]} does: lets a field that became a union be walked
function asBranches(schema: Schema): Schema {
  if (Array.isArray(schema.anyOf)) return schema;
  const annotations = Object.fromEntries(Object.entries(schema).filter(([key]) => ANNOTATIONS.has(key)));
  const rest = Object.fromEntries(Object.entries(schema).filter(([key]) => !ANNOTATIONS.has(key)));
  return { ...annotations, anyOf: [rest] };
}

class Comparison {
  readonly changes: SchemaChange[] = [];

  constructor(private readonly file: string) {}

  add(level: SchemaChange['level'], path: string, reason: string): void {
    this.changes.push({ level, where: `${this.file}: ${path.replace(/^\./, '') || '(root)'}`, reason });
  }

  walk(before: unknown, after: unknown, path: string): void {
    if (isDeepStrictEqual(before, after)) return;
    if (!isSchema(before) || !isSchema(after)) {
      this.add('major', path, `schema ${show(before)} became ${show(after)}`);
      return;
    }
    if (Array.isArray(before.anyOf) !== Array.isArray(after.anyOf)) {
      this.walk(asBranches(before), asBranches(after), path);
      return;
    }
    this.compareTypes(before, after, path);
    this.compareValues(before, after, path);
    this.compareProperties(before, after, path);
    if ('items' in before || 'items' in after) this.walk(before.items ?? {}, after.items ?? {}, `${path}[]`);
    for (const keyword of ['anyOf', 'oneOf'] as const) this.compareBranches(keyword, before, after, path);
    this.compareConstraints(before, after, path);
  }

  private compareTypes(before: Schema, after: Schema, path: string): void {
    const was = asList(before.type);
    const now = asList(after.type);
    if (was.length === 0 && now.length === 0) return;
    // no type keyword allows every type
    const removed =
      now.length === 0 ? [] : was.length === 0 ? ['any'] : was.filter((type) => !now.includes(type));
    const added =
      was.length === 0 ? [] : now.length === 0 ? ['any'] : now.filter((type) => !was.includes(type));
    if (removed.length) this.add('major', path, `no longer accepts type ${removed.join(', ')}`);
    if (added.length) this.add('minor', path, `now accepts type ${added.join(', ')}`);
  }

  private compareValues(before: Schema, after: Schema, path: string): void {
    if ('enum' in before || 'enum' in after) {
      const was = asList(before.enum);
      const now = asList(after.enum);
      const removed =
        'enum' in after ? was.filter((value) => !now.some((v) => isDeepStrictEqual(v, value))) : [];
      const added =
        'enum' in before ? now.filter((value) => !was.some((v) => isDeepStrictEqual(v, value))) : now;
      if (!('enum' in before)) this.add('major', path, `now limited to ${show(now)}`);
      else if (!('enum' in after)) this.add('minor', path, 'no longer limited to known values');
      if (removed.length) this.add('major', path, `enum value(s) removed: ${removed.map(show).join(', ')}`);
      if (added.length && 'enum' in before)
        this.add('minor', path, `enum value(s) added: ${added.map(show).join(', ')}`);
    }
    if (!isDeepStrictEqual(before.const, after.const)) {
      this.add('major', path, `const ${show(before.const)} became ${show(after.const)}`);
    }
  }

  private compareProperties(before: Schema, after: Schema, path: string): void {
    const was = isSchema(before.properties) ? before.properties : {};
    const now = isSchema(after.properties) ? after.properties : {};
    const wasRequired = asList(before.required).map(String);
    const nowRequired = asList(after.required).map(String);
    for (const key of Object.keys(was)) {
      const at = `${path}.${key}`;
      if (!(key in now)) this.add('major', at, 'field removed');
      else this.walk(was[key], now[key], at);
    }
    for (const key of Object.keys(now)) {
      if (key in was) continue;
      const at = `${path}.${key}`;
      if (nowRequired.includes(key)) this.add('major', at, 'new required field');
      else this.add('minor', at, 'new optional field');
    }
    for (const key of nowRequired) {
      if (!wasRequired.includes(key) && key in was) this.add('major', `${path}.${key}`, 'became required');
    }
    for (const key of wasRequired) {
      if (!nowRequired.includes(key) && key in now) this.add('minor', `${path}.${key}`, 'became optional');
    }
    const extraBefore = allowsExtra(before.additionalProperties);
    const extraAfter = allowsExtra(after.additionalProperties);
    if ('properties' in before || 'properties' in after) {
      if (extraBefore && !extraAfter) this.add('major', path, 'no longer accepts unknown fields');
      if (!extraBefore && extraAfter) this.add('minor', path, 'now accepts unknown fields');
    }
  }

  private compareBranches(keyword: 'anyOf' | 'oneOf', before: Schema, after: Schema, path: string): void {
    if (!(keyword in before) && !(keyword in after)) return;
    const was = asList(before[keyword]);
    const now = asList(after[keyword]);
    const unmatched = [...now];
    for (const branch of was) {
      const index = unmatched.findIndex((candidate) => branchKey(candidate) === branchKey(branch));
      if (index === -1) {
        this.add('major', path, `no longer accepts ${show(branch)}`);
        continue;
      }
      const [match] = unmatched.splice(index, 1);
      this.walk(branch, match, `${path}<${branchKey(branch)}>`);
    }
    for (const branch of unmatched) this.add('minor', path, `now also accepts ${show(branch)}`);
  }

  // a constraint added or changed may refuse what was accepted; one removed only accepts more
  private compareConstraints(before: Schema, after: Schema, path: string): void {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of keys) {
      if (ANNOTATIONS.has(key) || STRUCTURAL.has(key)) continue;
      if (isDeepStrictEqual(before[key], after[key])) continue;
      if (!(key in after)) this.add('minor', path, `${key} ${show(before[key])} removed`);
      else this.add('major', path, `${key} ${show(before[key])} became ${show(after[key])}`);
    }
    for (const key of ANNOTATIONS) {
      if (!isDeepStrictEqual(before[key], after[key])) this.add('patch', path, `${key} changed`);
    }
  }
}

/** compares the files of two releases (file name -> parsed JSON Schema) */
export function classifySchemaChange(
  before: ReadonlyMap<string, unknown>,
  after: ReadonlyMap<string, unknown>,
): SchemaChangeReport {
  const changes: SchemaChange[] = [];
  for (const [file, schema] of before) {
    if (!after.has(file))
      changes.push({ level: 'major', where: file, reason: 'file removed (an event no longer described)' });
    else {
      const comparison = new Comparison(file);
      comparison.walk(schema, after.get(file), '');
      changes.push(...comparison.changes);
    }
  }
  for (const file of after.keys()) {
    if (!before.has(file)) changes.push({ level: 'minor', where: file, reason: 'new file (a new event)' });
  }
  return { level: highestLevel(changes), changes };
}

/** the release a list of changes needs: the highest of their levels */
export function highestLevel(changes: readonly SchemaChange[]): ChangeLevel {
  return changes.reduce<ChangeLevel>(
    (highest, change) =>
      CHANGE_LEVELS.indexOf(change.level) > CHANGE_LEVELS.indexOf(highest) ? change.level : highest,
    'none',
  );
}
