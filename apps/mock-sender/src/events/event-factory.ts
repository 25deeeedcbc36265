import {
  isWebhookEventType,
  safeParseWebhookEvent,
  type WebhookEventType,
  type WebhookValidationIssue,
} from '@omni-webhooks/schema';
import { createFakeEvent } from '@omni-webhooks/schema/fixtures';
import { HttpError } from '../base/http-error.js';
import { newId } from '../base/ids.js';
import type { OutboxEvent } from '../outbox/outbox.js';

export const MAX_EVENTS_PER_REQUEST = 10_000;

export interface EventRequest {
  /** the event type name */
  event: string;
  /** sent as given; without it a realistic event is generated */
  payload?: Record<string, unknown> | undefined;
  /** deep-merged into a generated event */
  overrides?: Record<string, unknown> | undefined;
  count?: number | undefined;
  /** send a payload that fails the schema, to test how receivers reject */
  allowInvalid?: boolean | undefined;
}

type FakeOverrides = Parameters<typeof createFakeEvent>[1];

/** what a generated event was asked for, as a hook sees it */
export interface GeneratedEventRequest {
  type: WebhookEventType;
  overrides: Record<string, unknown> | undefined;
}

/**
 * done to each generated event before it is checked and serialised (the running sender links its
 * documents to itself); a payload sent as is never goes through it
 */
export type PrepareEvent = (
  event: Record<string, unknown>,
  request: GeneratedEventRequest,
) => Record<string, unknown>;

export interface BuildEventsOptions {
  prepareEvent?: PrepareEvent | undefined;
}

function generate(
  type: WebhookEventType,
  overrides: Record<string, unknown> | undefined,
): Record<string, unknown> {
  // overrides come from json: the schema check below (or allowInvalid) decides what they may be
  return createFakeEvent(type, overrides as FakeOverrides) as Record<string, unknown>;
}

/** what keeps `payload` from going out as `event`: a type mismatch, then the schema's issues */
export function payloadIssues(event: string, payload: Record<string, unknown>): WebhookValidationIssue[] {
  const mismatch =
    payload.event === event
      ? []
      : [
          {
            path: ['event'],
            message: `is ${JSON.stringify(payload.event)} but the event type sent is ${JSON.stringify(event)}`,
            code: 'event_mismatch',
          },
        ];
  const result = safeParseWebhookEvent(payload);
  return [...mismatch, ...(result.success ? [] : result.error.issues)];
}

function validate(
  event: string,
  payload: Record<string, unknown>,
  allowInvalid: boolean,
  index: number,
): void {
  const issues = allowInvalid ? [] : payloadIssues(event, payload);
  if (issues.length > 0) {
    throw new HttpError(
      400,
      'invalid_payload',
      'the payload fails the event schema (allowInvalid, --allow-invalid in the CLI, sends it anyway)',
      issues.map((issue) => ({ ...issue, path: indexedPath(index, issue.path) })),
    );
  }
}

// the index is only worth showing when several events were generated
function indexedPath(index: number, path: (string | number)[]): (string | number)[] {
  return index === 0 ? path : [index, ...path];
}

/** the events one `POST /events` asks for, serialised once: these bytes go out on every attempt */
export function buildEvents(request: EventRequest, options: BuildEventsOptions = {}): OutboxEvent[] {
  const total = request.count ?? 1;
  const allowInvalid = request.allowInvalid ?? false;
  if (request.payload !== undefined && request.overrides !== undefined) {
    throw new HttpError(
      400,
      'invalid_request',
      '"overrides" apply to generated events; with "payload", send the whole event instead',
    );
  }
  if (request.payload !== undefined) {
    validate(request.event, request.payload, allowInvalid, 0);
    const body = JSON.stringify(request.payload);
    return Array.from({ length: total }, () => ({ id: newId('msg'), type: request.event, body }));
  }
  const type = request.event;
  if (!isWebhookEventType(type)) {
    throw new HttpError(
      400,
      'unknown_event',
      `cannot generate ${JSON.stringify(type)}: not an OmniAI event type; send a "payload" to deliver it as is`,
    );
  }
  const { prepareEvent } = options;
  const context = { type, overrides: request.overrides };
  return Array.from({ length: total }, (_, index) => {
    const generated = generate(type, request.overrides);
    const payload = prepareEvent ? prepareEvent(generated, context) : generated;
    validate(type, payload, allowInvalid, index);
    return { id: newId('msg'), type, body: JSON.stringify(payload) };
  });
}
