import { describe, expect, it } from 'vitest';
import { WEBHOOK_EVENT_TYPES } from '../event-types.js';
import { createFakeEvent, fixtures } from '../fixtures/index.js';
import { applyPatches, baseEvent, driftCorpus } from '../test-support/drift-corpus.js';
import {
  detectSchemaDrift,
  detectSchemaDriftReport,
  driftPath,
  MAX_DRIFT_PATH_CHARS,
  MAX_DRIFT_ROWS,
} from './detect-drift.js';
import { driftExample, REDACTED } from './drift-example.js';
import { driftShapeKey } from './shape-key.js';

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('detectSchemaDrift', () => {
  it('reports at most MAX_DRIFT_ROWS rows for a body of 50 000 unknown keys, and counts the rest', () => {
    const lead = fixtures.find((fixture) => fixture.type === 'lead.created')?.event as Record<
      string,
      unknown
    >;
    const flood: Record<string, unknown> = { ...clone(lead) };
    for (let n = 0; n < 50_000; n += 1) flood[`k${n}`] = n;
    const report = detectSchemaDriftReport('lead.created', flood);
    expect(MAX_DRIFT_ROWS).toBe(100);
    expect(report.drifts).toHaveLength(MAX_DRIFT_ROWS);
    expect(report.leftOut).toBe(50_000 - MAX_DRIFT_ROWS);
    expect(detectSchemaDrift('lead.created', flood)).toEqual(report.drifts);
  });

  it('cuts a long path to MAX_DRIFT_PATH_CHARS, marking the cut', () => {
    const lead = fixtures.find((fixture) => fixture.type === 'lead.created')?.event as Record<
      string,
      unknown
    >;
    const key = 'x'.repeat(5000);
    const [row] = detectSchemaDrift('lead.created', {
      ...clone(lead),
      data: { ...(lead.data as object), [key]: 1 },
    });
    expect(row?.kind).toBe('unknown_field');
    expect(row?.path).toHaveLength(MAX_DRIFT_PATH_CHARS);
    expect(row?.path.startsWith('data.xxx')).toBe(true);
    expect(row?.path.endsWith('…')).toBe(true);
  });

  for (const drift of driftCorpus) {
    it(`finds ${drift.name} at its path, by kind`, () => {
      const { type, event } = baseEvent(drift.base);
      const found = detectSchemaDrift(type, applyPatches(event, drift.patches));
      const rows = found.map((row): [string, string] => [row.path, row.kind]);
      expect(rows.sort()).toEqual([...drift.detected].sort());
    });
  }

  it('reports nothing for the published examples and the synthesized fixtures', () => {
    for (const fixture of fixtures) {
      expect(detectSchemaDrift(fixture.type, clone(fixture.event)), fixture.name).toEqual([]);
    }
  });

  it('reports nothing for fake events of every type', () => {
    for (const type of WEBHOOK_EVENT_TYPES) {
      for (const seed of [1, 2, 3])
        expect(detectSchemaDrift(type, createFakeEvent(type, {}, { seed }))).toEqual([]);
    }
  });

  it('says what was expected and what was seen', () => {
    const { type, event } = baseEvent('tool call failed');
    const payload = applyPatches(event, [
      [['actionLog', 'type'], 'WEBHOOK_TEST'],
      [['actionLog', 'summary'], null],
      [['occurredAt'], '2025-10-30'],
      [['actionLog', 'leadId'], 42],
    ]);
    expect(detectSchemaDrift(type, payload)).toEqual(
      expect.arrayContaining([
        {
          path: 'actionLog.type',
          kind: 'new_enum_value',
          expected: expect.stringContaining('TOOL_CALL'),
          seen: 'WEBHOOK_TEST',
          example: 'WEBHOOK_TEST',
        },
        { path: 'actionLog.summary', kind: 'type_mismatch', expected: 'string', seen: 'null', example: null },
        {
          path: 'occurredAt',
          kind: 'format_mismatch',
          expected: 'ISO-8601 date-time with Z or an offset',
          seen: 'string',
          example: '2025-10-30',
        },
        { path: 'actionLog.leadId', kind: 'type_mismatch', expected: 'string', seen: 'number', example: 42 },
      ]),
    );
  });

  it('reports an unknown event name as one unknown_event row', () => {
    expect(detectSchemaDrift('lead.archived', { event: 'lead.archived', data: {} })).toEqual([
      { path: 'event', kind: 'unknown_event', seen: 'lead.archived', example: 'lead.archived' },
    ]);
  });

  it('reports one row per path and kind, however many array items drift', () => {
    const { type, event } = baseEvent('email message completed');
    const message = (event as { actionLog: { messages: Record<string, unknown>[] } }).actionLog.messages[0];
    const payload = applyPatches(event, [
      [
        ['actionLog', 'messages'],
        [
          { ...message, channel: 'WHATSAPP' },
          { ...message, channel: 'RCS' },
        ],
      ],
    ]);
    expect(detectSchemaDrift(type, payload).map((row) => [row.path, row.kind])).toEqual([
      ['actionLog.messages[].channel', 'new_enum_value'],
    ]);
  });
});

describe('drift examples', () => {
  it('redacts values under personal or secret keys, at any depth of the path', () => {
    const { type, event } = baseEvent('lead from inbound email');
    const payload = applyPatches(event, [
      [['data', 'nickName'], 'Johnny'],
      [['data', 'contactEmail'], 'john@example.com'],
      [['data', 'mobile_phone'], '+15551234567'],
      [['data', 'apiToken'], 'tok_live_123'],
      [['data', 'secondaryAddress'], { street: '1 Main St' }],
      [['data', 'notes'], 'call John at john@example.com'],
      [['data', 'owner'], { fullName: 'Ana', id: 'u1' }],
    ]);
    const examples = Object.fromEntries(
      detectSchemaDrift(type, payload).map((row) => [row.path, row.example]),
    );
    expect(examples).toEqual({
      'data.nickName': REDACTED,
      'data.contactEmail': REDACTED,
      'data.mobile_phone': REDACTED,
      'data.apiToken': REDACTED,
      'data.secondaryAddress': REDACTED,
      'data.notes': REDACTED,
      'data.owner': `{"fullName":"${REDACTED}","id":"u1"}`,
    });
  });

  it('redacts phone- and email-like values under any key, and keeps dates and counts', () => {
    expect(driftExample(['note'], '+1 (555) 123-4567')).toBe(REDACTED);
    expect(driftExample(['contact'], '555-123-4567')).toBe(REDACTED);
    expect(driftExample(['sender'], 'Mark <mark@example.com>')).toBe(REDACTED);
    expect(driftExample(['day'], '2025-10-30')).toBe('2025-10-30');
    expect(driftExample(['pages'], 153143)).toBe(153143);
  });

  it('cuts strings and json text to 64 characters', () => {
    const long = 'x'.repeat(200);
    const { type, event } = baseEvent('pdf received');
    const payload = applyPatches(event, [
      [['document', 'note'], long],
      [['document', 'tags'], Array.from({ length: 40 }, (_, i) => `tag-${i}`)],
    ]);
    for (const row of detectSchemaDrift(type, payload)) {
      expect(typeof row.example === 'string' && row.example.length).toBe(64);
    }
    expect(driftExample(['note'], '😀'.repeat(100))).toBe('😀'.repeat(64));
  });
});

describe('driftPath', () => {
  it('writes array items as []', () => {
    expect(driftPath(['actionLog', 'messages', 3, 'documents', 0, 'id'])).toBe(
      'actionLog.messages[].documents[].id',
    );
    expect(driftPath(['status'])).toBe('status');
  });
});

describe('driftShapeKey', () => {
  const base = () => baseEvent('email message completed');

  it('is the same for events differing only in ids and free text', () => {
    const { type, event } = base();
    const other = applyPatches(clone(event), [
      [['actionLog', 'id'], 'another-id'],
      [['actionLog', 'summary'], 'something else'],
    ]);
    expect(driftShapeKey(type, other)).toBe(driftShapeKey(type, event));
  });

  it('changes with a new field, a missing field, a type or an enum value', () => {
    const { type, event } = base();
    const key = driftShapeKey(type, event);
    const variants: [path: (string | number)[], value: unknown][] = [
      [['actionLog', 'priority'], 'high'],
      [['actionLog', 'summary'], null],
      [['actionLog', 'type'], 'TOOL_CALL'],
      [['actionLog', 'messages', 0, 'channel'], 'SMS'],
    ];
    for (const patch of variants) {
      expect(driftShapeKey(type, applyPatches(clone(event), [patch])), patch[0].join('.')).not.toBe(key);
    }
  });

  it('ignores the keys inside an unknown field or an opaque value', () => {
    const { type, event } = base();
    const one = applyPatches(clone(event), [
      [['extra'], { a: 1 }],
      [['actionLog', 'output'], { anything: 1 }],
    ]);
    const two = applyPatches(clone(event), [
      [['extra'], { b: 2 }],
      [['actionLog', 'output'], { other: [1, 2] }],
    ]);
    expect(driftShapeKey(type, one)).toBe(driftShapeKey(type, two));
  });

  it('keys unknown events by name', () => {
    expect(driftShapeKey('lead.archived', { event: 'lead.archived' })).not.toBe(
      driftShapeKey('lead.merged', { event: 'lead.merged' }),
    );
  });
});
