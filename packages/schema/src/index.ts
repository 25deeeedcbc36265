export const WEBHOOK_EVENT_TYPES = [] as const;
