import { safeParseWebhookEvent, WEBHOOK_EVENT_TYPES } from '@omni-webhooks/schema';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { buildPayload, NEAR_LIMIT_MARGIN_BYTES } from './payload-builder.js';
import { COVER_SIZE, coverPlans, PAYLOAD_SHAPES, payloadPlanArbitrary, TEXT_STYLES } from './payload-plan.js';
import { createTrafficSource } from './traffic-source.js';

const limits = { bodyLimitBytes: 256 * 1024 };
const build = (plan: Parameters<typeof buildPayload>[0]) => buildPayload(plan, createTrafficSource(), limits);

describe('the payload cover', () => {
  const cover = coverPlans(COVER_SIZE);

  test('meets every type in every shape, every text style and both drifts', () => {
    const pairs = new Set(cover.map((plan) => `${plan.type} ${plan.shape}`));
    expect(pairs.size).toBe(WEBHOOK_EVENT_TYPES.length * PAYLOAD_SHAPES.length);
    expect(new Set(cover.map((plan) => plan.text))).toEqual(new Set([...Object.keys(TEXT_STYLES), null]));
    expect(new Set(cover.map((plan) => plan.drift))).toEqual(
      new Set(['added-field', 'new-enum-value', null]),
    );
  });

  test.each(cover.map((plan, index) => [index, plan] as const))(
    'payload %i is valid: strictly without drift, leniently with it',
    (_, plan) => {
      const payload = build(plan);
      expect(safeParseWebhookEvent(JSON.parse(payload.body), { mode: 'lenient' }).success).toBe(true);
      if (plan.drift === null) {
        expect(safeParseWebhookEvent(JSON.parse(payload.body), { mode: 'strict' }).success).toBe(true);
      }
      // with every optional field left out, an event may hold no text field at all
      if (plan.text && !payload.traits.some((trait) => trait.endsWith('(none in this event)'))) {
        expect(payload.body).toContain(JSON.stringify(TEXT_STYLES[plan.text]).slice(1, -1));
      }
      if (plan.shape === 'near-size-limit') {
        expect(Buffer.byteLength(payload.body)).toBe(limits.bodyLimitBytes - NEAR_LIMIT_MARGIN_BYTES);
      }
      expect(payload.traits.length).toBeGreaterThan(0);
    },
  );
});

describe('buildPayload', () => {
  test('the same plan builds the same body: a seed replays a run', () => {
    fc.assert(
      fc.property(payloadPlanArbitrary(), (plan) => {
        expect(build(plan).body).toBe(build(plan).body);
      }),
      { numRuns: 30, seed: 1 },
    );
  });

  test('names what sets a payload apart', () => {
    const payload = build({
      type: 'lead.created',
      seed: 3,
      text: 'cjk',
      shape: 'as-generated',
      drift: 'new-enum-value',
    });
    expect(payload.traits).toEqual([
      expect.stringMatching(/^non-ASCII \(cjk\) in every text field \(\d+: data\./),
      'drift: an enum value OmniAI has not documented (data.source = zapier)',
    ]);
    // ids keep their generated values: they are not free text
    expect(JSON.parse(payload.body).data.leadId).toMatch(/^[0-9a-f-]{36}$/);
    const nulled = build({ type: 'lead.created', seed: 3, text: null, shape: 'nullable-null', drift: null });
    // seed 3's lead already has no externalId: only the fields the payload sets to null are named
    const generated = createTrafficSource().event('lead.created', { seed: 3 });
    expect('data' in generated && generated.data.externalId).toBeNull();
    expect(nulled.traits).toEqual([
      expect.stringMatching(
        /^nullable fields null \(\d+: data\.firstName, data\.lastName, data\.phoneNumber/,
      ),
    ]);
    expect(JSON.parse(nulled.body).data).toMatchObject({
      firstName: null,
      lastName: null,
      phoneNumber: null,
    });
  });

  test('empties and lengthens arrays where the schema has them', () => {
    const empty = build({ type: 'lead.completed', seed: 1, text: null, shape: 'arrays-empty', drift: null });
    expect(JSON.parse(empty.body).data.checklistItems).toEqual([]);
    const long = build({ type: 'lead.completed', seed: 1, text: null, shape: 'arrays-long', drift: null });
    expect(JSON.parse(long.body).data.checklistItems).toHaveLength(100);
  });

  test('long arrays whose items gain non-ASCII text still end under the body limit', () => {
    // with a small limit the two 100-item arrays of an extraction, each under half the limit, outgrow
    // it together once every text field gains a cjk prefix: the arrays are shortened instead
    const small = { bodyLimitBytes: 48 * 1024 };
    const lengths = new Set<string>();
    for (let seed = 0; seed < 12; seed += 1) {
      const payload = buildPayload(
        { type: 'document.extracted', seed, text: 'cjk', shape: 'arrays-long', drift: 'added-field' },
        createTrafficSource(),
        small,
      );
      expect(Buffer.byteLength(payload.body)).toBeLessThanOrEqual(
        small.bodyLimitBytes - NEAR_LIMIT_MARGIN_BYTES,
      );
      expect(safeParseWebhookEvent(JSON.parse(payload.body), { mode: 'lenient' }).success).toBe(true);
      lengths.add(/long arrays \(×(\d+)/.exec(payload.traits.join(' '))?.[1] ?? 'none');
    }
    // some payloads kept 100 items, some were shortened: both paths ran
    expect(lengths.has('100')).toBe(true);
    expect([...lengths].some((length) => Number(length) < 100)).toBe(true);
  });

  test('leaves optional fields out, keeping what identifies the event', () => {
    const payload = build({
      type: 'lead.updated',
      seed: 2,
      text: null,
      shape: 'optional-absent',
      drift: null,
    });
    expect(Object.keys(JSON.parse(payload.body).data).sort()).toEqual(['externalId', 'leadId']);
  });
});
