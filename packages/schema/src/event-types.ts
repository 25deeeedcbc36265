export const WEBHOOK_EVENT_TYPES = [
  'action_log.completed',
  'action_log.failed',
  'document.received',
  'document.extracted',
  'lead.created',
  'lead.updated',
  'lead.completed',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

const eventTypeSet: ReadonlySet<string> = new Set(WEBHOOK_EVENT_TYPES);

export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return typeof value === 'string' && eventTypeSet.has(value);
}
