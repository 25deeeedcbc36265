// the compat check on scratch copies of the last release: each kind of edit gets the level the
// release rule gives it, with a reason naming the file and the field
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_LEVELS, classifySchemaChange } from './schema-change.js';
import { latestReleasedVersion, RELEASED_DIR, readSchemaFiles } from './schema-files.js';

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

type Json = Record<string, unknown>;

// the schema node at a path of keys (and anyOf indexes), to edit in place
function node(schema: Json, ...path: (string | number)[]): Json {
  return path.reduce<Json>((at, key) => (at as Record<string | number, Json>)[key] as Json, schema);
}
const field = (schema: Json, parent: string, name: string) =>
  node(schema, 'properties', parent, 'properties', name);

describe('schema compat check', () => {
  let releasedDir = '';
  let scratchRoot = '';
  let released = new Map<string, unknown>();

  beforeAll(async () => {
    const version = await latestReleasedVersion(packageRoot);
    if (!version) throw new Error(`no release kept under ${RELEASED_DIR}/`);
    releasedDir = join(packageRoot, RELEASED_DIR, version);
    released = await readSchemaFiles(releasedDir);
    scratchRoot = await mkdtemp(join(tmpdir(), 'omni-webhooks-compat-'));
  });

  afterAll(async () => {
    if (scratchRoot) await rm(scratchRoot, { recursive: true, force: true });
  });

  // a scratch copy of the release with one file edited in place, read back from disk
  async function editedCopy(file: string, edit: (schema: Json) => void): Promise<Map<string, unknown>> {
    const dir = await mkdtemp(join(scratchRoot, 'copy-'));
    await cp(releasedDir, dir, { recursive: true });
    const schema = JSON.parse(await readFile(join(dir, file), 'utf8')) as Json;
    edit(schema);
    await writeFile(join(dir, file), JSON.stringify(schema, null, 2));
    return readSchemaFiles(dir);
  }

  it('keeps the files of one event and mode per release', () => {
    expect(released.size).toBe(14);
    expect([...released.keys()]).toContain('lead.created.strict.schema.json');
  });

  it('finds no change between a release and itself', () => {
    expect(classifySchemaChange(released, released)).toEqual({ level: 'none', changes: [] });
  });

  it('calls an optional field made required a major', async () => {
    const edited = await editedCopy('lead.created.strict.schema.json', (schema) => {
      (node(schema, 'properties', 'data').required as string[]).push('email');
    });
    expect(classifySchemaChange(released, edited)).toEqual({
      level: 'major',
      changes: [
        { level: 'major', where: 'lead.created.strict.schema.json: data.email', reason: 'became required' },
      ],
    });
  });

  it('calls a new optional field a minor', async () => {
    const edited = await editedCopy('lead.created.schema.json', (schema) => {
      node(schema, 'properties', 'data', 'properties').nickname = { type: ['string', 'null'] };
    });
    expect(classifySchemaChange(released, edited)).toEqual({
      level: 'minor',
      changes: [
        { level: 'minor', where: 'lead.created.schema.json: data.nickname', reason: 'new optional field' },
      ],
    });
  });

  it('calls a new enum value a minor, and a removed one a major', async () => {
    const source = (schema: Json) => node(field(schema, 'data', 'source'), 'anyOf', 0).enum as string[];
    const added = await editedCopy('lead.created.strict.schema.json', (schema) => {
      source(schema).push('zapier');
    });
    expect(classifySchemaChange(released, added).level).toBe('minor');
    expect(classifySchemaChange(released, added).changes[0]?.reason).toBe('enum value(s) added: "zapier"');
    const removed = await editedCopy('lead.created.strict.schema.json', (schema) => {
      source(schema).pop();
    });
    expect(classifySchemaChange(released, removed)).toMatchObject({
      level: 'major',
      changes: [
        {
          where: 'lead.created.strict.schema.json: data.source<type:string>',
          reason: 'enum value(s) removed: "salesforce"',
        },
      ],
    });
  });

  it('calls a field removed from the types a major', async () => {
    const edited = await editedCopy('lead.created.schema.json', (schema) => {
      delete node(schema, 'properties', 'data', 'properties').website;
    });
    expect(classifySchemaChange(released, edited).changes).toEqual([
      { level: 'major', where: 'lead.created.schema.json: data.website', reason: 'field removed' },
    ]);
  });

  it('calls null refused where it was accepted a major, and a new pattern too', async () => {
    const edited = await editedCopy('lead.created.strict.schema.json', (schema) => {
      field(schema, 'data', 'email').type = 'string';
      field(schema, 'data', 'website').pattern = '^https://';
    });
    expect(classifySchemaChange(released, edited).changes).toEqual([
      {
        level: 'major',
        where: 'lead.created.strict.schema.json: data.email',
        reason: 'no longer accepts type null',
      },
      {
        level: 'major',
        where: 'lead.created.strict.schema.json: data.website',
        reason: 'pattern undefined became "^https://"',
      },
    ]);
  });

  it('calls refusing unknown fields a major, and accepting them a minor', async () => {
    const closed = await editedCopy('lead.created.schema.json', (schema) => {
      node(schema, 'properties', 'data').additionalProperties = false;
    });
    expect(classifySchemaChange(released, closed).level).toBe('major');
    const opened = await editedCopy('lead.created.strict.schema.json', (schema) => {
      node(schema, 'properties', 'data').additionalProperties = {};
    });
    expect(classifySchemaChange(released, opened).level).toBe('minor');
  });

  it('calls a field that became a union with null a minor', async () => {
    const edited = await editedCopy('document.received.strict.schema.json', (schema) => {
      const { description, ...signedUrl } = field(schema, 'document', 'signedUrl');
      node(schema, 'properties', 'document', 'properties').signedUrl = {
        description,
        anyOf: [signedUrl, { type: 'null' }],
      };
    });
    expect(classifySchemaChange(released, edited)).toEqual({
      level: 'minor',
      changes: [
        {
          level: 'minor',
          where: 'document.received.strict.schema.json: document.signedUrl',
          reason: 'now also accepts {"type":"null"}',
        },
      ],
    });
  });

  it('calls a reworded description a patch', async () => {
    const edited = await editedCopy('document.received.schema.json', (schema) => {
      field(schema, 'document', 'signedUrl').description = 'a pre-signed link';
    });
    expect(classifySchemaChange(released, edited)).toMatchObject({ level: 'patch' });
  });

  it('calls a new event a minor and a removed one a major', () => {
    const withNew = new Map([...released, ['lead.deleted.schema.json', { type: 'object' }]]);
    expect(classifySchemaChange(released, withNew).level).toBe('minor');
    const without = new Map([...released].filter(([file]) => !file.startsWith('lead.completed')));
    expect(classifySchemaChange(released, without).changes.map((change) => change.level)).toEqual([
      'major',
      'major',
    ]);
  });

  it('tells the kind of change of the working tree since the last release', async () => {
    const current = await readSchemaFiles(join(packageRoot, 'json-schema'));
    expect([...current.keys()]).toEqual([...released.keys()]);
    const report = classifySchemaChange(released, current);
    expect(CHANGE_LEVELS).toContain(report.level);
    expect(report.level === 'none').toBe(report.changes.length === 0);
  });
});
