import { describe, expectTypeOf, it } from 'vitest';
import type { WebhookEventType } from './event-types.js';
import { createFakeEvent } from './fixtures/index.js';
import { parseWebhookEvent, safeParseWebhookEvent } from './parse.js';
import type { WebhookEvent, WebhookEventOf } from './schemas.js';

describe('WebhookEvent', () => {
  it('narrows by event', () => {
    const event = parseWebhookEvent({});
    if (event.event === 'document.received') {
      expectTypeOf(event).toEqualTypeOf<WebhookEventOf<'document.received'>>();
      expectTypeOf(event.document.signedUrl).toEqualTypeOf<string>();
    }
    if (event.event === 'lead.updated') {
      expectTypeOf(event).not.toHaveProperty('workspaceId');
    }
    if (event.event === 'document.extracted') {
      expectTypeOf<'completed'>().toExtend<typeof event.status>();
    }
  });

  it('follows lenient mode: only identifying fields are guaranteed, the rest may be null or absent', () => {
    const event = parseWebhookEvent({});
    if (event.event === 'document.received') {
      expectTypeOf(event.document.id).toEqualTypeOf<string>();
      expectTypeOf(event.workspaceId).toEqualTypeOf<string>();
      expectTypeOf(event.document.size).toEqualTypeOf<number | null | undefined>();
      expectTypeOf(event.document.filename).toEqualTypeOf<string | null | undefined>();
      expectTypeOf(event.occurredAt).toEqualTypeOf<string | null | undefined>();
    }
    if (event.event === 'lead.updated') {
      expectTypeOf(event.data.leadId).toEqualTypeOf<string>();
      expectTypeOf(event.data.externalId).toEqualTypeOf<string | null | undefined>();
    }
    if (event.event === 'action_log.completed') {
      expectTypeOf(event.actionLog.id).toEqualTypeOf<string>();
      const message = event.actionLog.messages?.[0];
      expectTypeOf(message?.body).toEqualTypeOf<string | null | undefined>();
    }
    if (event.event === 'document.extracted') {
      expectTypeOf(event.documentId).toEqualTypeOf<string>();
      expectTypeOf<null>().toExtend<typeof event.status>();
      // value-like: the documented shapes stay visible, any other json value is possible
      type Value = NonNullable<NonNullable<typeof event.extractionResult>['items']>[number]['value'];
      expectTypeOf<'text' | 1 | true | null | unknown[]>().toExtend<Value>();
      expectTypeOf<{ street?: string | null; postalCode?: string | null }>().toExtend<Value>();
    }
  });

  it('keeps known enum values while staying open', () => {
    type ActionLogType = WebhookEventOf<'action_log.completed'>['actionLog']['type'];
    expectTypeOf<'MESSAGE'>().toExtend<ActionLogType>();
    expectTypeOf<'SOMETHING_NEW'>().toExtend<ActionLogType>();
    // the known literals survive: the union did not collapse to plain string
    expectTypeOf<ActionLogType>().not.toEqualTypeOf<string>();
  });

  it('rejects typos in field names', () => {
    const event = createFakeEvent('lead.created');
    // @ts-expect-error: no such field
    event.data.fistName;
  });

  it('maps every type to its own event', () => {
    expectTypeOf<WebhookEvent['event']>().toEqualTypeOf<WebhookEventType>();
    expectTypeOf(createFakeEvent('action_log.failed')).toEqualTypeOf<WebhookEventOf<'action_log.failed'>>();
    const result = safeParseWebhookEvent(null);
    if (result.success) expectTypeOf(result.data).toEqualTypeOf<WebhookEvent>();
    else expectTypeOf(result.error.issues[0]?.path).toEqualTypeOf<(string | number)[] | undefined>();
  });
});
