import { api, type Delivery, type DeliveryFilters, type FeedEvent } from './api.js';
import { renderDeliveryRows } from './deliveries-view.js';
import { byId, h } from './dom-builder.js';
import { EndpointsView } from './endpoints-view.js';
import { connectFeed } from './live-feed.js';
import { ScenarioPanel } from './scenario-panel.js';
import { SendForm } from './send-form.js';
import { signedIn } from './sign-in.js';
import { renderTimeline, updateCountdowns } from './timeline-view.js';

const LIST_LIMIT = 50;
// the list reloads at most this often while live events stream in
const LIST_REFRESH_MS = 500;

const announcer = byId('announcer', HTMLParagraphElement);
const feedStatus = byId('feed-status', HTMLParagraphElement);
const rows = byId('delivery-rows', HTMLTableSectionElement);
const rowsEmpty = byId('deliveries-empty', HTMLParagraphElement);
const filtersForm = byId('filters', HTMLFormElement);
const filterState = byId('filter-state', HTMLSelectElement);
const filterEvent = byId('filter-event', HTMLSelectElement);
const timeline = byId('timeline', HTMLElement);

let selectedId: string | undefined;
let maxAttempts = 0;
let shown: Delivery | undefined;

function announce(message: string): void {
  announcer.textContent = message;
}

function report(what: string, error: unknown): void {
  announce(`${what}: ${(error as Error).message}`);
  feedStatus.textContent = `${what}: ${(error as Error).message}`;
}

/**
 * Runs `task` now, or once more after the run in progress: at most one in flight and one pending, so
 * refreshes never overlap or pile up. Runs start at least `minIntervalMs` apart: a burst of live
 * events (thousands a second under load) costs one reload per interval, not one per event.
 */
function coalesced(what: string, task: () => Promise<void>, minIntervalMs = 0): () => void {
  let running = false;
  let again = false;
  let lastStart = Number.NEGATIVE_INFINITY;
  return () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    void (async () => {
      do {
        again = false;
        const wait = lastStart + minIntervalMs - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        lastStart = performance.now();
        try {
          await task();
        } catch (error) {
          report(what, error);
        }
      } while (again);
      running = false;
    })();
  };
}

function filters(): DeliveryFilters {
  return { state: filterState.value, event: filterEvent.value };
}

// the list is the light one (no payloads, no response bodies): the timeline loads its delivery whole
const refreshDeliveries = coalesced(
  'Could not load deliveries',
  async () => {
    const { deliveries } = await api.deliveries(filters(), LIST_LIMIT);
    renderDeliveryRows(rows, rowsEmpty, deliveries, selectedId);
  },
  LIST_REFRESH_MS,
);

const refreshTimeline = coalesced('Could not load the delivery', async () => {
  if (selectedId === undefined) return;
  const delivery = await api.delivery(selectedId);
  const before = shown?.id === delivery.id ? shown : undefined;
  shown = delivery;
  renderTimeline(timeline, delivery, maxAttempts, Date.now());
  if (before && before.attempts.length < delivery.attempts.length) {
    const last = delivery.attempts.at(-1);
    announce(`Attempt ${last?.n}: ${last?.status === null ? 'no response' : `HTTP ${last?.status}`}`);
  }
  if (before && before.state !== delivery.state) announce(`Delivery ${delivery.state}`);
});

const endpointsView = new EndpointsView(() => refreshEndpoints());
const sendForm = new SendForm((deliveries) => {
  const first = deliveries[0];
  if (first) select(first.id, false);
  refreshDeliveries();
});

const scenarioPanel = new ScenarioPanel();

const refreshEndpoints = coalesced('Could not load endpoints', async () => {
  const { endpoints } = await api.endpoints();
  endpointsView.render(endpoints);
  sendForm.setEndpoints(endpoints);
  scenarioPanel.setEndpoints(endpoints);
});

function select(id: string, focus: boolean): void {
  selectedId = id;
  for (const row of rows.querySelectorAll<HTMLTableRowElement>('tr[data-delivery-id]')) {
    const selected = row.dataset.deliveryId === id;
    row.classList.toggle('selected', selected);
    if (selected) row.setAttribute('aria-current', 'true');
    else row.removeAttribute('aria-current');
  }
  refreshTimeline();
  if (focus) byId('timeline-heading', HTMLElement).focus();
}

async function redeliver(id: string): Promise<void> {
  try {
    const { delivery } = await api.redeliver(id);
    announce(`Redelivery ${delivery.id} created`);
    select(delivery.id, false);
    refreshDeliveries();
  } catch (error) {
    report('Could not redeliver', error);
  }
}

function onFeed(event: FeedEvent): void {
  if (event.type === 'change' && event.data.path.startsWith('/endpoints')) {
    refreshEndpoints();
    return;
  }
  refreshDeliveries();
  if (event.type === 'change' || event.data.deliveryId === selectedId) refreshTimeline();
}

document.addEventListener('click', (event) => {
  const button = (event.target as Element).closest('button[data-action]');
  if (!(button instanceof HTMLButtonElement) || !button.dataset.id) return;
  if (button.dataset.action === 'view') select(button.dataset.id, true);
  if (button.dataset.action === 'redeliver') void redeliver(button.dataset.id);
});

filtersForm.addEventListener('change', () => refreshDeliveries());
filtersForm.addEventListener('submit', (event) => event.preventDefault());

setInterval(() => updateCountdowns(timeline, Date.now()), 250);

// nothing loads before sign-in: without a session every data route answers 401
await signedIn();

try {
  const settings = await api.settings();
  maxAttempts = settings.maxAttempts;
  sendForm.setEventTypes(settings.eventTypes);
  endpointsView.setEventTypes(settings.eventTypes);
  scenarioPanel.setScenarios(settings.scenarios);
  filterEvent.append(...settings.eventTypes.map((type) => h('option', { value: type }, type)));
} catch (error) {
  report('Could not load the console settings', error);
}

scenarioPanel.showLatest().catch((error: unknown) => report('Could not load scenario runs', error));

connectFeed({
  message: onFeed,
  open() {
    feedStatus.dataset.connected = 'true';
    feedStatus.textContent = 'Live';
    refreshEndpoints();
    refreshDeliveries();
    refreshTimeline();
  },
  closed() {
    feedStatus.dataset.connected = 'false';
    feedStatus.textContent = 'Live updates lost, reconnecting…';
  },
});
