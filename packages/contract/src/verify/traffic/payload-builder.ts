import { safeParseWebhookEvent, type WebhookEvent } from '@omni-webhooks/schema';
import { allPaths, getAt, isUnder, type JsonPath, pathText, setAt } from './json-paths.js';
import { type PayloadPlan, TEXT_STYLES } from './payload-plan.js';
import type { TrafficSource } from './traffic-source.js';

// turns a plan into the body sent. every variation is kept only where the strict schema still takes
// the event (what omniai documents), so a refusal is the receiver's fault, never the suite's; drift is
// added last and is valid for the lenient schema a production receiver runs

export interface VariedPayload {
  plan: PayloadPlan;
  event: WebhookEvent;
  body: string;
  /** what sets this payload apart from a plain generated event, in words */
  traits: string[];
}

export interface BuildLimits {
  /** the receiver's body limit: a near-limit payload ends NEAR_LIMIT_MARGIN_BYTES under it */
  bodyLimitBytes: number;
}

export const NEAR_LIMIT_MARGIN_BYTES = 1024;
export const LONG_ARRAY_LENGTH = 100;

// ids, dates, urls, codes and contact formats are not free text: they keep their generated values
const NOT_TEXT =
  /^(event|id|email|website|phoneNumber|mimeType|signedUrl|status|type|channel|direction|source)$|(Id|At|Code)$/;

const strictlyValid = (event: unknown) => safeParseWebhookEvent(event, { mode: 'strict' }).success;
const bytes = (event: unknown) => Buffer.byteLength(JSON.stringify(event));

function keyOf(path: JsonPath): string {
  return String([...path].reverse().find((key) => typeof key === 'string') ?? '');
}

function textPaths(event: unknown): JsonPath[] {
  return allPaths(event).filter(
    (path) => typeof getAt(event, path) === 'string' && !NOT_TEXT.test(keyOf(path)),
  );
}

/** applies `change` to each path in turn, keeping it only where the event stays strictly valid */
function keepWhereValid(
  event: unknown,
  paths: readonly JsonPath[],
  change: (value: unknown) => unknown,
  skipUnderChanged = false,
): JsonPath[] {
  const changed: JsonPath[] = [];
  for (const path of paths) {
    if (skipUnderChanged && isUnder(path, changed)) continue;
    const before = getAt(event, path);
    if (before === undefined) continue;
    const after = change(before);
    if (after === before) continue;
    // tried on a copy: undoing in place would move a restored key to the end of its object
    const trial = structuredClone(event);
    setAt(trial, path, after);
    if (!strictlyValid(trial)) continue;
    setAt(event, path, after);
    changed.push(path);
  }
  return changed;
}

function listed(paths: readonly JsonPath[]): string {
  if (paths.length === 0) return 'none in this event';
  const names = paths.slice(0, 3).map(pathText).join(', ');
  return `${paths.length}: ${names}${paths.length > 3 ? ', …' : ''}`;
}

function applyShape(
  event: WebhookEvent,
  plan: PayloadPlan,
  limits: BuildLimits,
  longLength: number,
): string[] {
  const paths = allPaths(event);
  switch (plan.shape) {
    case 'optional-absent': {
      // children first, so an optional object's own optional keys go before it does
      const removed = keepWhereValid(event, [...paths].reverse(), () => undefined);
      return [`optional fields absent (${listed(removed)})`];
    }
    case 'nullable-null':
      return [
        `nullable fields null (${listed(keepWhereValid(event, paths, (value) => (value === null ? value : null), true))})`,
      ];
    case 'arrays-empty': {
      const arrays = paths.filter((path) => Array.isArray(getAt(event, path)));
      const emptied = keepWhereValid(
        event,
        arrays,
        (value) => ((value as unknown[]).length ? [] : value),
        true,
      );
      return [`empty arrays (${listed(emptied)})`];
    }
    case 'arrays-long': {
      const arrays = paths.filter((path) => Array.isArray(getAt(event, path)));
      const budget = limits.bodyLimitBytes / 2;
      const grown = keepWhereValid(
        event,
        arrays,
        (value) => {
          const items = value as unknown[];
          if (items.length === 0) return value;
          const long = Array.from({ length: longLength }, (_, index) => items[index % items.length]);
          // a long array stays well under the body limit: that is the near-limit payload's job
          return bytes(long) > budget ? value : long;
        },
        true,
      );
      return [`long arrays (×${longLength}, ${listed(grown)})`];
    }
    default:
      return [];
  }
}

function applyText(event: WebhookEvent, plan: PayloadPlan): string[] {
  if (plan.text === null) return [];
  const sample = TEXT_STYLES[plan.text];
  const changed = keepWhereValid(event, textPaths(event), (value) => `${sample} ${String(value)}`);
  return [`non-ASCII (${plan.text}) in every text field (${listed(changed)})`];
}

/** a field and an enum value a newer omniai could send, valid for the lenient schema */
function applyDrift(event: WebhookEvent, plan: PayloadPlan): string[] {
  if (plan.drift === null) return [];
  const record = event as unknown as Record<string, unknown>;
  if (plan.drift === 'new-enum-value') {
    const candidates: [JsonPath, string][] = [
      [['actionLog', 'type'], 'VOICE_CALL'],
      [['data', 'source'], 'zapier'],
      [['data', 'checklistItems', 0, 'status'], 'ON_HOLD'],
      [['status'], 'partially_completed'],
    ];
    const found = candidates.find(([path]) => typeof getAt(event, path) === 'string');
    if (found) {
      setAt(event, found[0], found[1]);
      return [`drift: an enum value OmniAI has not documented (${pathText(found[0])} = ${found[1]})`];
    }
  }
  const envelope = ['actionLog', 'document', 'data'].find((key) => typeof record[key] === 'object');
  const target = envelope ? (record[envelope] as Record<string, unknown>) : record;
  target.addedByNewerOmniAI = { since: '2026-01', note: 'a field this schema does not know' };
  return [`drift: a field a newer OmniAI adds (${envelope ? `${envelope}.` : ''}addedByNewerOmniAI)`];
}

/** grows the longest text field until the body is NEAR_LIMIT_MARGIN_BYTES under the limit */
function padToLimit(event: WebhookEvent, limits: BuildLimits): string[] {
  const fields = textPaths(event);
  const longest = fields.reduce<JsonPath | undefined>(
    (best, path) =>
      best === undefined || String(getAt(event, path)).length > String(getAt(event, best)).length
        ? path
        : best,
    undefined,
  );
  const target = limits.bodyLimitBytes - NEAR_LIMIT_MARGIN_BYTES;
  const missing = target - bytes(event);
  if (longest === undefined || missing <= 0) return [];
  const filler = 'Lorem ipsum dolor sit amet. '.repeat(Math.ceil(missing / 28)).slice(0, missing);
  setAt(event, longest, `${String(getAt(event, longest))}${filler}`);
  return [
    `near the size limit (${bytes(event)} bytes of ${limits.bodyLimitBytes}, ${pathText(longest)} grown)`,
  ];
}

function build(plan: PayloadPlan, source: TrafficSource, limits: BuildLimits, longLength: number) {
  const event = structuredClone(source.event(plan.type, { seed: plan.seed }));
  const traits = [
    ...applyShape(event, plan, limits, longLength),
    ...applyText(event, plan),
    ...applyDrift(event, plan),
    ...(plan.shape === 'near-size-limit' ? padToLimit(event, limits) : []),
  ];
  return { event, traits };
}

/**
 * builds the payload a plan names. only the near-limit shape may come close to the body limit: long
 * arrays whose items then gain non-ascii text in every field can outgrow it together, so they are
 * shortened until the body ends at least NEAR_LIMIT_MARGIN_BYTES under the limit (a 413 there would
 * be the suite's fault, not the receiver's)
 */
export function buildPayload(plan: PayloadPlan, source: TrafficSource, limits: BuildLimits): VariedPayload {
  const ceiling = limits.bodyLimitBytes - NEAR_LIMIT_MARGIN_BYTES;
  let longLength = LONG_ARRAY_LENGTH;
  let built = build(plan, source, limits, longLength);
  while (plan.shape === 'arrays-long' && longLength > 2 && bytes(built.event) > ceiling) {
    longLength = Math.max(2, Math.floor(longLength / 2));
    built = build(plan, source, limits, longLength);
  }
  return {
    plan,
    event: built.event,
    body: JSON.stringify(built.event),
    traits: built.traits.length ? built.traits : ['a plain generated event'],
  };
}
