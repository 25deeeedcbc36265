import { randomUUID } from 'node:crypto';
import { WEBHOOK_EVENT_TYPES, type WebhookEvent, type WebhookEventType } from '@omni-webhooks/schema';
import { createFakeEvent } from '@omni-webhooks/schema/fixtures';

// the one module the traffic checks take their events from. today it builds on the schema package's
// fakes; the journeys generator (seeded lead journeys, realistic data) can replace it behind this
// interface without a check changing.
//
// omniai never sends a lead.updated or lead.completed for a lead it has not created, so neither does
// the suite outside the journey-order check: every such event follows a lead.created it sent first

export type JourneyOrder = 'in-order' | 'out-of-order';

export interface TrafficSource {
  /** a fresh event of the type, linked to `leadId` when given (seeded: the same seed, the same event) */
  event(type: WebhookEventType, options?: { leadId?: string; seed?: number }): WebhookEvent;
  /** `count` distinct events over all seven types; `prelude` announces the lead the lead events name */
  mixed(count: number): { prelude: WebhookEvent[]; events: Iterable<WebhookEvent> };
  /** one lead's events as omniai sends them, or with lead.updated and document.extracted first */
  leadJourney(order: JourneyOrder): WebhookEvent[];
  /** the lead.created a lead event needs before it, or none */
  preludeFor(event: WebhookEvent): WebhookEvent[];
}

/** types that name a lead omniai created earlier */
const FOLLOWS_LEAD: ReadonlySet<string> = new Set(['lead.updated', 'lead.completed']);

function leadIdOf(event: WebhookEvent): string | undefined {
  return 'data' in event ? event.data.leadId : undefined;
}

function linked(type: WebhookEventType, leadId: string, seed: number | undefined): WebhookEvent {
  const options = seed === undefined ? {} : { seed };
  switch (type) {
    case 'action_log.completed':
    case 'action_log.failed':
      return createFakeEvent(type, { actionLog: { leadId } }, options);
    case 'document.received':
      return createFakeEvent(type, { document: { leadId } }, options);
    case 'document.extracted':
      return createFakeEvent(type, { leadId }, options);
    default:
      return createFakeEvent(type, { data: { leadId } }, options);
  }
}

export function createTrafficSource(): TrafficSource {
  // the lead the last lead.created this source made announced: lead events without a lead of their own follow it
  let lastLeadId: string | undefined;
  const event: TrafficSource['event'] = (type, options = {}) => {
    // a seeded event is the same on every run: its lead comes from the seed, and it moves no lead on
    if (options.seed !== undefined && options.leadId === undefined) {
      return createFakeEvent(type, undefined, { seed: options.seed });
    }
    const leadId = options.leadId ?? (FOLLOWS_LEAD.has(type) ? lastLeadId : undefined);
    const made = linked(type, leadId ?? randomUUID(), options.seed);
    if (type === 'lead.created' && options.seed === undefined) lastLeadId = leadIdOf(made);
    return made;
  };
  return {
    event,
    mixed(count) {
      const lead = event('lead.created');
      const leadId = leadIdOf(lead);
      function* events(): Iterable<WebhookEvent> {
        for (let index = 0; index < count; index += 1) {
          const type = WEBHOOK_EVENT_TYPES[index % WEBHOOK_EVENT_TYPES.length] ?? 'lead.created';
          yield event(type, FOLLOWS_LEAD.has(type) && leadId ? { leadId } : {});
        }
      }
      return { prelude: [lead], events: events() };
    },
    leadJourney(order) {
      const leadId = randomUUID();
      const created = event('lead.created', { leadId });
      const received = createFakeEvent('document.received', { document: { leadId } });
      const extracted = createFakeEvent('document.extracted', {
        leadId,
        documentId: received.document.id,
        workspaceId: received.workspaceId,
      });
      const logged = createFakeEvent('action_log.completed', {
        actionLog: { leadId },
        workspaceId: received.workspaceId,
      });
      const updated = event('lead.updated', { leadId });
      const completed = event('lead.completed', { leadId });
      return order === 'in-order'
        ? [created, received, extracted, logged, updated, completed]
        : // what a retried or reordered delivery produces: each arrives before the event it follows
          [updated, extracted, created, received, logged, completed];
    },
    preludeFor(made) {
      const leadId = leadIdOf(made);
      return FOLLOWS_LEAD.has(made.event) && leadId ? [event('lead.created', { leadId })] : [];
    },
  };
}
