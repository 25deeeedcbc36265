/** what the outbox stores and answers: deliveries, their targets, schedules and attempts */

export const DELIVERY_STATES = ['pending', 'in_flight', 'succeeded', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** where and how one delivery is sent; copied onto the delivery so it survives endpoint changes */
export interface DeliveryTarget {
  endpointId: string;
  url: string;
  secret: string | undefined;
  secretHeader: string;
  /** the Standard Webhooks key (`whsec_`), never sent; deliveries are signed only with it */
  signingKey?: string | undefined;
  sign: boolean;
}

export interface OutboxEvent {
  id: string;
  type: string;
  /** the exact bytes sent on every attempt */
  body: string;
}

export interface DeliverySummary {
  id: string;
  eventId: string;
  endpointId: string;
  url: string;
  state: DeliveryState;
}

export interface AttemptView {
  n: number;
  startedAt: string;
  durationMs: number | null;
  status: number | null;
  error: string | null;
  responseBody: string | null;
}

/** an attempt as lists show it: without the response body */
export type AttemptSummary = Omit<AttemptView, 'responseBody'>;

/** a delivery as lists show it: without the payload and the response bodies */
export interface DeliveryListItem extends DeliverySummary {
  event: string;
  attempts: AttemptSummary[];
  nextAttemptAt: string | null;
  createdAt: string;
  redeliveryOf: string | null;
}

/** one delivery whole: `GET /deliveries/:id`, and lists with `include=payload` */
export interface DeliveryView extends Omit<DeliveryListItem, 'attempts'> {
  attempts: AttemptView[];
  payload: unknown;
}

/** where a delivery stands in its schedule: all the engine keeps in memory between attempts */
export interface DeliverySchedule {
  id: string;
  endpointId: string;
  state: DeliveryState;
  attemptCount: number;
  nextAttemptAt: number | null;
  /** waiting in the outbox for the due-queue, held by no run */
  parked: boolean;
}

/** what one attempt needs, read from the outbox when the attempt starts */
export interface DeliveryJob extends DeliveryTarget, DeliverySchedule {
  eventId: string;
  body: string;
}

export interface AttemptOutcome {
  durationMs: number;
  status: number | null;
  error: string | null;
  responseBody: string | null;
}

export type NextStep =
  | { state: 'pending'; nextAttemptAt: number; parked: boolean }
  | { state: 'succeeded' | 'failed' };

export interface DeliveryQuery {
  state?: DeliveryState | undefined;
  event?: string | undefined;
  limit: number;
  cursor?: string | undefined;
  /** whole deliveries (payload, response bodies); a list leaves them out otherwise */
  includePayload?: boolean | undefined;
}

export interface DeliveryPage<T> {
  deliveries: T[];
  nextCursor: string | null;
}

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}
