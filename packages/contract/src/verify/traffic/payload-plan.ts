import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '@omni-webhooks/schema';
import fc from 'fast-check';

// what makes one payload of the variety check different from a plain generated event. fast-check
// generates plans and, when one fails, shrinks it: toward the first type, seed 0, no non-ascii text,
// the plain shape and no drift, so the failure ends at the fewest traits that still break the receiver

/** non-ascii text of each kind a latin-1 column, a naive escaper or a line-based log parser trips on */
export const TEXT_STYLES = {
  diacritics: 'José Müller-Øberg, Ñandú Café',
  cjk: '山田太郎・株式会社東京',
  rtl: 'شركة الأمل ‏חברת התקווה',
  emoji: '🏦📄✅ 👩🏽‍💼',
  'line-separator': 'first line\u2028second line\u2029third',
} as const;

export type TextStyle = keyof typeof TEXT_STYLES;

export const PAYLOAD_SHAPES = [
  'as-generated',
  'optional-absent',
  'nullable-null',
  'arrays-empty',
  'arrays-long',
  'near-size-limit',
] as const;

export type PayloadShape = (typeof PAYLOAD_SHAPES)[number];

export const DRIFT_KINDS = ['added-field', 'new-enum-value'] as const;

export type DriftKind = (typeof DRIFT_KINDS)[number];

export interface PayloadPlan {
  type: WebhookEventType;
  /** seed of the generated event the variations start from */
  seed: number;
  text: TextStyle | null;
  shape: PayloadShape;
  drift: DriftKind | null;
}

const STYLES = Object.keys(TEXT_STYLES) as TextStyle[];

/** the plans fast-check draws after the cover: near-limit bodies are rarer, so a run stays quick */
export function payloadPlanArbitrary(): fc.Arbitrary<PayloadPlan> {
  const common = PAYLOAD_SHAPES.filter((shape) => shape !== 'near-size-limit');
  return fc.record({
    type: fc.constantFrom(...WEBHOOK_EVENT_TYPES),
    seed: fc.nat({ max: 2 ** 31 - 1 }),
    text: fc.option(fc.constantFrom(...STYLES), { nil: null, freq: 3 }),
    shape: fc.oneof(
      { weight: 10, arbitrary: fc.constantFrom(...common) },
      { weight: 1, arbitrary: fc.constant('near-size-limit' as const) },
    ),
    drift: fc.option(fc.constantFrom(...DRIFT_KINDS), { nil: null, freq: 3 }),
  });
}

/** how many plans the cover holds: every type in every shape, each text style on every type */
export const COVER_SIZE = WEBHOOK_EVENT_TYPES.length * PAYLOAD_SHAPES.length;

/**
 * the first payloads of every run, whatever the seed: every type meets every shape, every text style
 * and both drifts; near-limit bodies come early so a short run still sends one
 */
export function coverPlans(count: number): PayloadPlan[] {
  return Array.from({ length: Math.min(count, COVER_SIZE) }, (_, index) => ({
    type: WEBHOOK_EVENT_TYPES[index % WEBHOOK_EVENT_TYPES.length] ?? 'lead.created',
    seed: index,
    text: index % 6 === 5 ? null : (STYLES[index % STYLES.length] ?? null),
    shape: PAYLOAD_SHAPES[index % PAYLOAD_SHAPES.length] ?? 'as-generated',
    drift: index % 4 === 3 ? (DRIFT_KINDS[Math.floor(index / 4) % DRIFT_KINDS.length] ?? null) : null,
  }));
}
