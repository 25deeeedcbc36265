import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_EVENT_TYPES } from './event-types.js';
import { createFakeEvent, fixtures } from './fixtures/index.js';
import { safeParseWebhookEvent } from './parse.js';
import type { ValidationMode } from './schema-builder.js';
import { eventSchemasByMode } from './schemas.js';
import { ajv, ajvPaths, eventValidator, unionValidator } from './test-support/json-schema-validators.js';

const modes = ['lenient', 'strict'] as const satisfies readonly ValidationMode[];

const unionValidators = { lenient: unionValidator('lenient'), strict: unionValidator('strict') };

function toJson(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

describe('generated JSON Schema', () => {
  for (const fixture of fixtures) {
    for (const mode of modes) {
      it(`accepts ${fixture.type} "${fixture.name}" (${mode})`, () => {
        const validateUnion = unionValidators[mode];
        const validateEvent = eventValidator(fixture.type, mode);
        expect(validateUnion(fixture.event), ajv.errorsText(validateUnion.errors)).toBe(true);
        expect(validateEvent(fixture.event), ajv.errorsText(validateEvent.errors)).toBe(true);
      });
    }
  }

  const received = fixtures.find((f) => f.type === 'document.received')?.event as Record<string, unknown>;
  const withDocument = (patch: Record<string, unknown>) => ({
    ...received,
    document: { ...(received.document as object), ...patch },
  });
  const { workspaceId: _, ...withoutWorkspace } = received;

  const mutations: [string, unknown, (string | number)[], readonly ValidationMode[]][] = [
    ['a missing required field', withoutWorkspace, ['workspaceId'], modes],
    ['a wrong type', withDocument({ size: '153143' }), ['document', 'size'], modes],
    ['a fractional size', withDocument({ size: 1.5 }), ['document', 'size'], modes],
    ['a bad url', withDocument({ signedUrl: 'not a url' }), ['document', 'signedUrl'], modes],
    ['a null id', withDocument({ id: null }), ['document', 'id'], modes],
    [
      'a bad date-time',
      withDocument({ createdAt: '2025-10-31 19:00' }),
      ['document', 'createdAt'],
      ['strict'],
    ],
  ];

  for (const [name, input, path, rejectingModes] of mutations) {
    for (const mode of rejectingModes) {
      it(`rejects ${name} in zod and JSON Schema (${mode}) at ${path.join('.')}`, () => {
        const parsed = safeParseWebhookEvent(input, { mode });
        expect(parsed.success ? [] : parsed.error.issues.map((issue) => issue.path)).toEqual([path]);
        const validate = eventValidator('document.received', mode);
        expect(validate(input)).toBe(false);
        expect(ajvPaths(validate.errors)).toContainEqual(path);
      });
    }
  }

  for (const [name, input] of [
    ['an unknown event name', { event: 'lead.deleted', data: { leadId: 'l1' } }],
    ['a non-object', ['document.received']],
    ['a string', 'document.received'],
  ] as const) {
    it(`rejects ${name} in zod and JSON Schema`, () => {
      for (const mode of modes) {
        expect(safeParseWebhookEvent(input, { mode }).success).toBe(false);
        expect(unionValidators[mode](input)).toBe(false);
      }
    });
  }

  it('strict files reject unknown fields and enum values the lenient files accept', () => {
    const input = withDocument({ tag: 'x' });
    expect(unionValidators.lenient(input)).toBe(true);
    expect(unionValidators.strict(input)).toBe(false);
    expect(ajvPaths(unionValidators.strict.errors)).toContainEqual(['document', 'tag']);
  });
});

// a json path into an event, and what to do there
type Mutation =
  | { kind: 'delete'; pathIndex: number }
  | { kind: 'replace'; pathIndex: number; value: unknown }
  | { kind: 'add'; pathIndex: number; key: string; value: unknown };

function collectPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [path];
  const entries = Array.isArray(value) ? value.map((item, i) => [i, item] as const) : Object.entries(value);
  return [path, ...entries.flatMap(([key, item]) => collectPaths(item, [...path, key]))];
}

function applyMutation(event: unknown, mutation: Mutation): unknown {
  const copy = toJson(event);
  const paths = collectPaths(copy);
  const path = paths[mutation.pathIndex % paths.length] ?? [];
  if (mutation.kind === 'replace' && path.length === 0) return mutation.value;
  const parentPath = mutation.kind === 'add' ? path : path.slice(0, -1);
  let parent: unknown = copy;
  for (const key of parentPath) parent = (parent as Record<string | number, unknown>)[key];
  if (typeof parent !== 'object' || parent === null) return copy;
  const target = parent as Record<string | number, unknown>;
  const key = path.at(-1) ?? '';
  if (mutation.kind === 'delete') {
    if (Array.isArray(target)) target.splice(Number(key), 1);
    else delete target[key];
  } else if (mutation.kind === 'replace') target[key] = mutation.value;
  else if (!Array.isArray(target)) target[mutation.key] = mutation.value;
  return copy;
}

const jsonValue = fc.oneof(
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1.5,
    '',
    'COMPLETED',
    'completed',
    '2025-10-31T19:00:01.675Z',
    'https://x.io',
  ),
  fc.string(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constant({}),
  fc.constant([]),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), pathIndex: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), pathIndex: fc.nat(), value: jsonValue }),
  fc.record({ kind: fc.constant('add' as const), pathIndex: fc.nat(), key: fc.string(), value: jsonValue }),
);

describe('zod and the JSON Schema agree', () => {
  const eventType = fc.constantFrom(...WEBHOOK_EVENT_TYPES);

  for (const mode of modes) {
    it(`accept every fake event (${mode})`, () => {
      fc.assert(
        fc.property(eventType, fc.integer(), (type, seed) => {
          const event = toJson(createFakeEvent(type, undefined, { seed }));
          expect(eventSchemasByMode[mode].webhookEventSchema.safeParse(event).success).toBe(true);
          expect(unionValidators[mode](event)).toBe(true);
        }),
        { numRuns: 200 },
      );
    });

    it(`judge random mutations the same (${mode})`, () => {
      const verdicts = { accepted: 0, rejected: 0 };
      fc.assert(
        fc.property(
          eventType,
          fc.integer(),
          fc.array(mutation, { minLength: 1, maxLength: 3 }),
          (type, seed, ops) => {
            const mutated = ops.reduce<unknown>(applyMutation, createFakeEvent(type, undefined, { seed }));
            const zodAccepts = safeParseWebhookEvent(mutated, { mode }).success;
            expect(unionValidators[mode](mutated)).toBe(zodAccepts);
            verdicts[zodAccepts ? 'accepted' : 'rejected'] += 1;
          },
        ),
        { numRuns: 1000 },
      );
      // the corpus must exercise both verdicts, or agreement proves nothing
      expect(verdicts.accepted).toBeGreaterThan(100);
      expect(verdicts.rejected).toBeGreaterThan(100);
    });
  }
});
