import type { FeedEvent } from './api.js';

export interface FeedHandlers {
  message(event: FeedEvent): void;
  /** connected again: whatever happened meanwhile was missed, so reload */
  open(): void;
  closed(): void;
}

/** the sender's server-sent events; EventSource reconnects by itself */
export function connectFeed(handlers: FeedHandlers): EventSource {
  const source = new EventSource('/deliveries/stream');
  for (const type of ['attempt', 'settled', 'change'] as const) {
    source.addEventListener(type, (event) => {
      handlers.message({ type, data: JSON.parse(event.data as string) } as FeedEvent);
    });
  }
  source.addEventListener('open', () => handlers.open());
  source.addEventListener('error', () => handlers.closed());
  return source;
}
