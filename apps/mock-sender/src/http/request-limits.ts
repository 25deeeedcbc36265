import { HttpError } from '../base/http-error.js';
import { MAX_EVENTS_PER_REQUEST } from '../events/event-factory.js';
import type { OutboxEvent } from '../outbox/outbox.js';

/** what one client may ask of a sender reachable by several teams; each is an env var (see config.ts) */
export interface RequestLimits {
  /** `count` of one `POST /events` (MAX_EVENTS_PER_REQUEST) */
  eventsPerRequest: number;
  /** bytes of a request body (MAX_REQUEST_BYTES) */
  requestBytes: number;
  /** bytes of the events one `POST /events` creates, count × size (MAX_BATCH_BYTES) */
  eventBytesPerRequest: number;
  /** endpoints registered in all (MAX_ENDPOINTS) */
  endpoints: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimits = {
  eventsPerRequest: 1000,
  requestBytes: 1024 * 1024,
  eventBytesPerRequest: 10 * 1024 * 1024,
  endpoints: 100,
};

/** the ceiling of MAX_EVENTS_PER_REQUEST (and of the CLI's --count) */
export const EVENTS_PER_REQUEST_CEILING = MAX_EVENTS_PER_REQUEST;

/** a `POST /events` answers payloads (`include=payload`) for at most this many events */
export const MAX_EVENTS_WITH_PAYLOAD = 100;

export function checkEventCount(count: number, limits: RequestLimits): void {
  if (count > limits.eventsPerRequest) {
    throw new HttpError(
      400,
      'too_many_events',
      `count ${count} is over MAX_EVENTS_PER_REQUEST (${limits.eventsPerRequest})`,
    );
  }
}

/** refuses events whose bytes together (each event's body, however many share it) pass the limit */
export function checkEventBytes(events: readonly OutboxEvent[], limits: RequestLimits): void {
  const sizes = new Map<string, number>();
  let total = 0;
  for (const event of events) {
    let size = sizes.get(event.body);
    if (size === undefined) {
      size = Buffer.byteLength(event.body);
      sizes.set(event.body, size);
    }
    total += size;
    if (total > limits.eventBytesPerRequest) {
      throw new HttpError(
        413,
        'too_large',
        `${events.length} events of this size make more than MAX_BATCH_BYTES ` +
          `(${limits.eventBytesPerRequest} bytes): send fewer or smaller events`,
      );
    }
  }
}

export function checkEndpointCount(registered: number, limits: RequestLimits): void {
  if (registered >= limits.endpoints) {
    throw new HttpError(
      409,
      'too_many_endpoints',
      `${registered} endpoints are registered, the most MAX_ENDPOINTS (${limits.endpoints}) allows: remove one first`,
    );
  }
}
