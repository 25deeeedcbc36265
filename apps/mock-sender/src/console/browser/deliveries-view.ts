import type { DeliveryRow } from './api.js';
import { formatTime, STATE_LABELS } from './display-format.js';
import { h, keepingFocus } from './dom-builder.js';

export function stateBadge(state: DeliveryRow['state']): HTMLElement {
  return h('span', { class: `state state--${state}` }, STATE_LABELS[state]);
}

function row(delivery: DeliveryRow, selected: boolean): HTMLTableRowElement {
  const next =
    delivery.state === 'pending' && delivery.nextAttemptAt !== null ? delivery.nextAttemptAt : null;
  return h(
    'tr',
    {
      'data-delivery-id': delivery.id,
      class: selected ? 'selected' : undefined,
      'aria-current': selected ? 'true' : undefined,
    },
    h('td', {}, h('time', { datetime: delivery.createdAt }, formatTime(delivery.createdAt))),
    h('td', {}, h('code', {}, delivery.event)),
    h('td', { class: 'url', title: `endpoint ${delivery.endpointId}` }, delivery.url),
    h('td', {}, stateBadge(delivery.state)),
    h('td', { class: 'number' }, delivery.attempts.length),
    h('td', {}, next === null ? '–' : h('time', { datetime: next }, formatTime(next))),
    h(
      'td',
      { class: 'row-actions' },
      h(
        'button',
        {
          type: 'button',
          'data-action': 'view',
          'data-id': delivery.id,
          'data-focus-key': `view:${delivery.id}`,
          'aria-label': `Attempts of ${delivery.event} delivery ${delivery.id}`,
        },
        'Attempts',
      ),
      h(
        'button',
        {
          type: 'button',
          'data-action': 'redeliver',
          'data-id': delivery.id,
          'data-focus-key': `redeliver:${delivery.id}`,
          'aria-label': `Redeliver ${delivery.event} delivery ${delivery.id}`,
        },
        'Redeliver',
      ),
    ),
  );
}

export function renderDeliveryRows(
  body: HTMLTableSectionElement,
  empty: HTMLElement,
  deliveries: readonly DeliveryRow[],
  selectedId: string | undefined,
): void {
  keepingFocus(body, () => body.replaceChildren(...deliveries.map((d) => row(d, d.id === selectedId))));
  empty.hidden = deliveries.length > 0;
}
