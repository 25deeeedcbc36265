import { randomInt, randomUUID } from 'node:crypto';
import { WEBHOOK_EVENT_TYPES, type WebhookEvent, type WebhookEventType } from '@omni-webhooks/schema';
import { builtInScenario, createFakeEvent, expandJourney } from '@omni-webhooks/schema/fixtures';

// the one module the traffic checks take their events from: the schema package's realistic fakes, and its
// journeys generator for a lead's whole life (lead.created, documents received and extracted, action logs,
// updates, lead.completed), as OmniAI sends it.
//
// omniai never sends a lead.updated or lead.completed for a lead it has not created, so neither does
// the suite outside the journey-order check: every such event follows a lead.created it sent first

export type JourneyOrder = 'in-order' | 'out-of-order';

/**
 * the text an unseeded event carries: `plain` (ASCII only) for the checks about load, order, dedupe and
 * drift, so a receiver that mishandles bytes fails the checks about bytes, not a burst it answers in
 * time; `non-ascii` for the generated-event deliveries, so every run sends a lead named like "José" (a
 * type whose fakes carry no free text, a received document, stays as drawn); `any` as drawn
 */
export type EventText = 'plain' | 'non-ascii' | 'any';

export interface TrafficSource {
  /** a fresh event of the type, linked to `leadId` when given (seeded: the same seed, the same event) */
  event(type: WebhookEventType, options?: { leadId?: string; seed?: number; text?: EventText }): WebhookEvent;
  /** `count` distinct plain-text events over all seven types; `prelude` announces the lead they name */
  mixed(count: number): { prelude: WebhookEvent[]; events: Iterable<WebhookEvent> };
  /** one lead's plain-text events as omniai sends them, or with lead.updated and document.extracted first */
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

const isPlain = (event: WebhookEvent) => {
  const body = JSON.stringify(event);
  return Buffer.byteLength(body) === body.length;
};

// the realistic fakes carry non-ascii text in some draws, more or less often by type (a lead 1 in 2, an
// extraction 1 in 7): this many draws find the kind asked for all but never
const TEXT_DRAWS = 200;

function drawWithText(text: EventText, draw: () => WebhookEvent): WebhookEvent {
  let made = draw();
  if (text === 'any') return made;
  for (let attempt = 1; attempt < TEXT_DRAWS && isPlain(made) !== (text === 'plain'); attempt += 1) {
    made = draw();
  }
  return made;
}

/** types that a reordered delivery may bring before the events they follow */
const ARRIVE_EARLY: ReadonlySet<string> = new Set(['lead.updated', 'document.extracted']);

/**
 * one generated lead journey (the schema package's built-in `lead-journey`), fresh ids each call; out of
 * order, its lead.updated and document.extracted events come first. A journey may hold no lead.updated
 * (0 to 3 are drawn), or a persona with non-ascii text: the next journey is drawn until one has a lead.updated
 * and plain text, so both kinds always arrive early and only the order is on trial.
 */
function leadJourneyEvents(order: JourneyOrder): WebhookEvent[] {
  const scenario = builtInScenario('lead-journey');
  const seed = randomInt(2 ** 31);
  const workspaceId = randomUUID();
  for (let journeyIndex = 0; ; journeyIndex += 1) {
    const events = expandJourney(scenario, { seed, journeyIndex, workspaceId, startAtMs: Date.now() }).map(
      (step) => step.event,
    );
    if (!events.some((event) => event.event === 'lead.updated') || !events.every(isPlain)) continue;
    if (order === 'in-order') return events;
    // what a retried or reordered delivery produces: each arrives before the event it follows
    return [
      ...events.filter((event) => ARRIVE_EARLY.has(event.event)),
      ...events.filter((event) => !ARRIVE_EARLY.has(event.event)),
    ];
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
    const text = options.seed === undefined ? (options.text ?? 'any') : 'any';
    const made = drawWithText(text, () => linked(type, leadId ?? randomUUID(), options.seed));
    if (type === 'lead.created' && options.seed === undefined) lastLeadId = leadIdOf(made);
    return made;
  };
  return {
    event,
    mixed(count) {
      const lead = event('lead.created', { text: 'plain' });
      const leadId = leadIdOf(lead);
      function* events(): Iterable<WebhookEvent> {
        for (let index = 0; index < count; index += 1) {
          const type = WEBHOOK_EVENT_TYPES[index % WEBHOOK_EVENT_TYPES.length] ?? 'lead.created';
          yield event(type, FOLLOWS_LEAD.has(type) && leadId ? { leadId, text: 'plain' } : { text: 'plain' });
        }
      }
      return { prelude: [lead], events: events() };
    },
    leadJourney(order) {
      return leadJourneyEvents(order);
    },
    preludeFor(made) {
      const leadId = leadIdOf(made);
      return FOLLOWS_LEAD.has(made.event) && leadId ? [event('lead.created', { leadId })] : [];
    },
  };
}
