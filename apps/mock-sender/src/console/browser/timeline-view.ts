import type { Attempt, Delivery } from './api.js';
import { stateBadge } from './deliveries-view.js';
import {
  attemptOutcome,
  attemptSummary,
  formatCountdown,
  formatDateTime,
  formatDuration,
  formatTime,
} from './display-format.js';
import { type Child, h, keepingFocus } from './dom-builder.js';

const OUTCOME_LABELS = { succeeded: 'succeeded', failed: 'failed', in_flight: 'in flight' } as const;

function entry(term: string, ...details: Child[]): Child[] {
  return [h('dt', {}, term), h('dd', {}, ...details)];
}

function attemptItem(delivery: Delivery, attempt: Attempt, total: number): HTMLLIElement {
  const outcome = attemptOutcome(delivery, attempt);
  return h(
    'li',
    { class: `attempt attempt--${outcome}`, 'data-attempt': String(attempt.n) },
    h(
      'h3',
      {},
      `Attempt ${attempt.n} of ${total} `,
      h('span', { class: `state state--${outcome}` }, OUTCOME_LABELS[outcome]),
    ),
    h(
      'dl',
      { class: 'facts' },
      ...entry('Started', h('time', { datetime: attempt.startedAt }, formatTime(attempt.startedAt))),
      ...entry('Status', attemptSummary(attempt)),
      ...entry('Duration', formatDuration(attempt.durationMs)),
      ...(attempt.error === null ? [] : entry('Error', h('span', { class: 'error-text' }, attempt.error))),
      ...(attempt.responseBody === null || attempt.responseBody === ''
        ? []
        : entry('Response body', h('pre', { class: 'body' }, attempt.responseBody))),
    ),
  );
}

function nextAttemptItem(delivery: Delivery, at: string, total: number, now: number): HTMLLIElement {
  return h(
    'li',
    { class: 'attempt attempt--scheduled', 'data-next-attempt': at },
    h(
      'h3',
      {},
      `Attempt ${delivery.attempts.length + 1} of ${total} `,
      h('span', { class: 'state state--pending' }, 'scheduled'),
    ),
    h(
      'p',
      {},
      'Next attempt at ',
      h('time', { datetime: at }, formatTime(at)),
      ' (',
      h('span', { 'data-countdown': at }, formatCountdown(at, now)),
      ')',
    ),
  );
}

/** one delivery: its facts, every attempt in order, and the next one while it is scheduled */
export function renderTimeline(
  section: HTMLElement,
  delivery: Delivery,
  maxAttempts: number,
  now: number,
): void {
  const next = delivery.state === 'pending' ? delivery.nextAttemptAt : null;
  const total = Math.max(maxAttempts, delivery.attempts.length);
  keepingFocus(section, () =>
    section.replaceChildren(
      h(
        'h2',
        { id: 'timeline-heading', tabindex: '-1', 'data-focus-key': 'timeline-heading' },
        'Delivery ',
        h('code', {}, delivery.id),
      ),
      h(
        'dl',
        { class: 'facts facts--summary' },
        ...entry('Event', h('code', {}, delivery.event)),
        ...entry('Endpoint', delivery.url),
        ...entry('State', stateBadge(delivery.state)),
        ...entry('Created', h('time', { datetime: delivery.createdAt }, formatDateTime(delivery.createdAt))),
        ...(delivery.redeliveryOf === null
          ? []
          : entry('Redelivery of', h('code', {}, delivery.redeliveryOf))),
      ),
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            'data-action': 'redeliver',
            'data-id': delivery.id,
            'data-focus-key': 'timeline-redeliver',
          },
          'Redeliver',
        ),
      ),
      h('h3', { class: 'visually-hidden' }, 'Attempts'),
      delivery.attempts.length === 0 && next === null
        ? h('p', { class: 'empty' }, 'No attempt yet.')
        : h(
            'ol',
            { class: 'timeline', 'aria-label': 'Attempts' },
            ...delivery.attempts.map((attempt) => attemptItem(delivery, attempt, total)),
            next === null ? null : nextAttemptItem(delivery, next, total, now),
          ),
      h(
        'details',
        { class: 'payload' },
        h('summary', {}, 'Payload'),
        h('pre', { class: 'body' }, JSON.stringify(delivery.payload, null, 2)),
      ),
    ),
  );
}

/** keeps "in 1.2 s" current without re-rendering */
export function updateCountdowns(root: ParentNode, now: number): void {
  for (const element of root.querySelectorAll<HTMLElement>('[data-countdown]')) {
    element.textContent = formatCountdown(element.dataset.countdown ?? '', now);
  }
}
