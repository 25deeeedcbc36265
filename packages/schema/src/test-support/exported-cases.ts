// every case the cross-language check exports: examples, seeded fakes, the drift corpus and mutants
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../event-types.js';
import { createFakeEvent, fixtures } from '../fixtures/index.js';
import type { ValidationMode } from '../schema-builder.js';
import { driftedPayloads, type Path } from './drift-corpus.js';

export interface ExportedCase {
  /** names the case in a disagreement: its kind, source and mutation */
  id: string;
  mode: ValidationMode;
  /** the event whose own file also judges the case; null for payloads of no known event */
  type: WebhookEventType | null;
  instance: unknown;
}

const MODES = ['lenient', 'strict'] as const satisfies readonly ValidationMode[];
export const FAKES_PER_EVENT = 43;

function toJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

// wrong types, nulls, empties and near-misses of each JSON type, for the leaf or node at a path
function replacementsFor(value: unknown): unknown[] {
  if (typeof value === 'string') {
    // a trailing newline and non-ascii digits: where python's re and ecmascript regexes part ways
    return [123, null, '', 'not a url', '2025-10-31 19:00', 'SOMETHING_NEW', `${value}\n`, '\u0663'];
  }
  if (typeof value === 'number') return ['1', 1.5, -1, null];
  if (typeof value === 'boolean') return ['true', null];
  if (Array.isArray(value)) return [{}, null, []];
  if (value && typeof value === 'object') return [[], 'x', null];
  return ['x', 0];
}

function nodesOf(value: unknown, path: Path = []): { path: Path; value: unknown }[] {
  if (typeof value !== 'object' || value === null) return [{ path, value }];
  const entries = Array.isArray(value) ? value.map((item, i) => [i, item] as const) : Object.entries(value);
  return [{ path, value }, ...entries.flatMap(([key, item]) => nodesOf(item, [...path, key]))];
}

function mutate(
  event: unknown,
  path: Path,
  change: (parent: Record<string | number, unknown>, key: string | number) => void,
) {
  const copy = toJson(event);
  let parent = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  change(parent, path.at(-1) ?? '');
  return copy;
}

/** each node of an event deleted, replaced by each of its wrong values, and each object given an unknown key */
function mutantsOf(event: unknown): { name: string; instance: unknown }[] {
  const mutants: { name: string; instance: unknown }[] = [];
  for (const { path, value } of nodesOf(event)) {
    const at = path.join('.') || '(root)';
    if (path.length > 0) {
      mutants.push({
        name: `${at} deleted`,
        instance: mutate(event, path, (parent, key) => {
          if (Array.isArray(parent)) parent.splice(Number(key), 1);
          else delete parent[key];
        }),
      });
      for (const replacement of replacementsFor(value)) {
        mutants.push({
          name: `${at} = ${JSON.stringify(replacement)}`,
          instance: mutate(event, path, (parent, key) => {
            parent[key] = replacement;
          }),
        });
      }
    }
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      mutants.push({
        name: `${at} + unknownKey`,
        instance: mutate(event, [...path, 'unknownKey'], (parent) => {
          parent.unknownKey = 'x';
        }),
      });
    }
  }
  return mutants;
}

const notAnEvent: [string, unknown][] = [
  ['unknown event name', { event: 'lead.deleted', data: { leadId: 'l1' } }],
  ['an event name of another type', { event: 7, data: { leadId: 'l1' } }],
  ['a list', ['document.received']],
  ['a string', 'document.received'],
  ['null', null],
];

export type CaseSource = Omit<ExportedCase, 'mode'>;

/** every case once (no mode): examples, `fakesPerEvent` seeded fakes per event, drifts, mutants, non-events */
export function caseSources(fakesPerEvent = FAKES_PER_EVENT): CaseSource[] {
  const sources: CaseSource[] = [];
  for (const fixture of fixtures) {
    sources.push({
      id: `example ${fixture.type} "${fixture.name}"`,
      type: fixture.type,
      instance: toJson(fixture.event),
    });
  }
  for (const type of WEBHOOK_EVENT_TYPES) {
    for (let seed = 1; seed <= fakesPerEvent; seed += 1) {
      sources.push({
        id: `fake ${type} seed ${seed}`,
        type,
        instance: toJson(createFakeEvent(type, undefined, { seed })),
      });
    }
  }
  for (const { drift, type, payload } of driftedPayloads()) {
    sources.push({ id: `drift ${type} "${drift.name}"`, type, instance: payload });
  }
  for (const fixture of fixtures) {
    for (const mutant of mutantsOf(fixture.event)) {
      sources.push({
        id: `mutant of ${fixture.type} "${fixture.name}": ${mutant.name}`,
        type: fixture.type,
        instance: mutant.instance,
      });
    }
  }
  for (const [name, instance] of notAnEvent) sources.push({ id: `non-event ${name}`, type: null, instance });
  return sources;
}

export function exportedCases(): ExportedCase[] {
  const sources = caseSources();
  return MODES.flatMap((mode) => sources.map((source) => ({ ...source, mode })));
}
