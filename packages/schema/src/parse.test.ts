import { describe, expect, it } from 'vitest';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES } from './event-types.js';
import { fixtures } from './fixtures/index.js';
import { parseWebhookEvent, safeParseWebhookEvent } from './parse.js';
import { WebhookEventValidationError } from './validation-error.js';

const modes = ['lenient', 'strict'] as const;

function issuesOf(input: unknown, mode: 'lenient' | 'strict' = 'lenient') {
  const result = safeParseWebhookEvent(input, { mode });
  if (result.success) throw new Error('expected the payload to be rejected');
  return result.error.issues;
}

describe('fixtures', () => {
  it('cover every event type', () => {
    expect(new Set(fixtures.map((fixture) => fixture.type))).toEqual(new Set(WEBHOOK_EVENT_TYPES));
  });

  it('mark synthesized events with a note', () => {
    for (const fixture of fixtures.filter((f) => f.origin === 'synthesized')) {
      expect(fixture.note, fixture.name).toMatch(/\w/);
    }
    expect(fixtures.filter((f) => f.origin === 'published').map((f) => f.type)).toEqual([
      'action_log.completed',
      'action_log.failed',
      'document.received',
      'document.extracted',
      'lead.created',
    ]);
  });

  for (const fixture of fixtures) {
    for (const mode of modes) {
      it(`${fixture.type} "${fixture.name}" passes ${mode} mode`, () => {
        const result = safeParseWebhookEvent(fixture.event, { mode });
        expect(result.success ? [] : result.error.issues).toEqual([]);
      });
    }
  }
});

describe('lenient mode', () => {
  const [received] = fixtures.filter((f) => f.type === 'document.received');

  it('keeps unknown fields at every level', () => {
    const input = {
      ...received?.event,
      addedLater: 1,
      document: { ...Object(received?.event).document, tag: 'x' },
    };
    const parsed = parseWebhookEvent(input);
    expect(parsed).toMatchObject({ addedLater: 1, document: { tag: 'x' } });
  });

  it('accepts unknown enum values', () => {
    const event = parseWebhookEvent({
      event: 'lead.created',
      data: { leadId: 'l1', source: 'tiktok' },
    });
    expect(event.event === 'lead.created' && event.data.source).toBe('tiktok');
  });

  it('accepts a missing occurredAt', () => {
    const { occurredAt: _, ...rest } = Object(received?.event);
    expect(safeParseWebhookEvent(rest).success).toBe(true);
  });

  it('normalizes document.extracted status case-insensitively in both modes', () => {
    for (const mode of modes) {
      const event = parseWebhookEvent(
        { event: 'document.extracted', workspaceId: 'w', leadId: 'l', documentId: 'd', status: 'Failed' },
        { mode },
      );
      expect(event.event === 'document.extracted' && event.status).toBe('failed');
    }
  });
});

describe('strict mode', () => {
  const received = fixtures.find((f) => f.type === 'document.received')?.event;

  it('names an unknown field', () => {
    const issues = issuesOf(
      { event: 'lead.created', data: { leadId: 'l1', nickname: 'JD', alias: 'J' } },
      'strict',
    );
    expect(issues).toEqual([
      expect.objectContaining({ code: 'unrecognized_keys', path: ['data', 'nickname'] }),
      expect.objectContaining({ code: 'unrecognized_keys', path: ['data', 'alias'] }),
    ]);
    expect(issues[0]?.message).toContain('nickname');
  });

  it('rejects a date-time without an offset', () => {
    const issues = issuesOf({ ...received, occurredAt: '2025-10-31T19:00:01.700' }, 'strict');
    expect(issues.map((issue) => issue.path)).toEqual([['occurredAt']]);
  });

  it('names an unknown enum value', () => {
    const issues = issuesOf({ event: 'lead.created', data: { leadId: 'l1', source: 'tiktok' } }, 'strict');
    expect(issues).toEqual([expect.objectContaining({ path: ['data', 'source'] })]);
    expect(issues[0]?.message).toContain('inbound-email');
  });

  it('rejects an extraction status outside completed/failed', () => {
    const issues = issuesOf(
      { event: 'document.extracted', workspaceId: 'w', leadId: 'l', documentId: 'd', status: 'pending' },
      'strict',
    );
    expect(issues[0]?.path).toEqual(['status']);
  });

  it('requires E.164 phone numbers', () => {
    const issues = issuesOf(
      { event: 'lead.created', data: { leadId: 'l1', phoneNumber: '(555) 123-4567' } },
      'strict',
    );
    expect(issues[0]?.path).toEqual(['data', 'phoneNumber']);
  });
});

describe('rejections (both modes)', () => {
  const received = fixtures.find((f) => f.type === 'document.received')?.event;
  const withDocument = (document: Record<string, unknown>) => ({
    ...received,
    document: { ...Object(received).document, ...document },
  });

  const withoutKey = (value: unknown, key: string) =>
    Object.fromEntries(Object.entries(Object(value)).filter(([k]) => k !== key));

  const cases: [string, unknown, (string | number)[]][] = [
    ['a non-object', 'hello', []],
    ['null', null, []],
    ['an unknown event name', { event: 'lead.deleted', data: {} }, ['event']],
    ['a missing required field', withoutKey(received, 'workspaceId'), ['workspaceId']],
    ['a wrong type', withDocument({ size: '153143' }), ['document', 'size']],
    ['a fractional size', withDocument({ size: 1.5 }), ['document', 'size']],
    ['a missing envelope object', withoutKey(received, 'document'), ['document']],
    ['a missing id', withDocument({ leadId: undefined }), ['document', 'leadId']],
    ['a bad url', withDocument({ signedUrl: 'not a url' }), ['document', 'signedUrl']],
    ['a null id', withDocument({ id: null }), ['document', 'id']],
  ];

  for (const [name, input, path] of cases) {
    for (const mode of modes) {
      it(`rejects ${name} in ${mode} mode at ${path.join('.') || '(root)'}`, () => {
        expect(issuesOf(input, mode).map((issue) => issue.path)).toEqual([path]);
      });
    }
  }

  it('parseWebhookEvent throws a WebhookEventValidationError listing the issues', () => {
    expect(() => parseWebhookEvent(withDocument({ size: -1 }))).toThrow(WebhookEventValidationError);
    expect(() => parseWebhookEvent(withDocument({ size: -1 }))).toThrow(/document\.size/);
  });
});

describe('isWebhookEventType', () => {
  it('accepts the seven names only', () => {
    expect(WEBHOOK_EVENT_TYPES.every(isWebhookEventType)).toBe(true);
    expect([undefined, 1, 'lead', 'LEAD.CREATED'].some(isWebhookEventType)).toBe(false);
  });
});
