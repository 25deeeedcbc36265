import { ApiError, api, type Endpoint, type EndpointInput } from './api.js';
import { formatPath } from './display-format.js';
import { byId, h, keepingFocus } from './dom-builder.js';

function describe(endpoint: Endpoint): string {
  const events = endpoint.events === null ? 'every event' : endpoint.events.join(', ');
  const secret = endpoint.hasSecret ? `secret in ${endpoint.secretHeader}` : 'no secret';
  return `${endpoint.id} · ${events} · ${secret}${endpoint.sign ? ' · signed' : ''}`;
}

/** the endpoint list with a remove button each, and the form that adds one */
export class EndpointsView {
  readonly #list = byId('endpoint-list', HTMLUListElement);
  readonly #empty = byId('endpoints-empty', HTMLParagraphElement);
  readonly #form = byId('endpoint-form', HTMLFormElement);
  readonly #events = byId('endpoint-events', HTMLDivElement);
  readonly #result = byId('endpoint-result', HTMLParagraphElement);
  readonly #onChange: () => void;

  constructor(onChange: () => void) {
    this.#onChange = onChange;
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#add();
    });
    this.#list.addEventListener('click', (event) => {
      const button = (event.target as Element).closest('button[data-action="remove"]');
      if (button instanceof HTMLButtonElement && button.dataset.id) void this.#remove(button.dataset.id);
    });
  }

  setEventTypes(types: readonly string[]): void {
    this.#events.replaceChildren(
      ...types.map((type) =>
        h(
          'label',
          { class: 'choice' },
          h('input', { type: 'checkbox', name: 'events', value: type }),
          ` ${type}`,
        ),
      ),
    );
  }

  render(endpoints: readonly Endpoint[]): void {
    keepingFocus(this.#list, () =>
      this.#list.replaceChildren(
        ...endpoints.map((endpoint) =>
          h(
            'li',
            { 'data-endpoint-id': endpoint.id },
            h(
              'div',
              {},
              h('span', { class: 'url' }, endpoint.url),
              h('div', { class: 'muted' }, describe(endpoint)),
            ),
            h(
              'button',
              {
                type: 'button',
                'data-action': 'remove',
                'data-id': endpoint.id,
                'data-focus-key': `remove:${endpoint.id}`,
                'aria-label': `Remove endpoint ${endpoint.url}`,
              },
              'Remove',
            ),
          ),
        ),
      ),
    );
    this.#empty.hidden = endpoints.length > 0;
  }

  async #add(): Promise<void> {
    const data = new FormData(this.#form);
    const secret = String(data.get('secret') ?? '');
    const events = data.getAll('events').map(String);
    const input: EndpointInput = {
      url: String(data.get('url') ?? '').trim(),
      ...(secret === '' ? {} : { secret }),
      ...(events.length === 0 ? {} : { events }),
      ...(data.get('sign') === null ? {} : { sign: true }),
    };
    try {
      const endpoint = await api.addEndpoint(input);
      this.#form.reset();
      this.#result.textContent = `Added ${endpoint.url} as ${endpoint.id}.`;
      this.#onChange();
    } catch (error) {
      const issues = error instanceof ApiError ? error.issues : [];
      this.#result.textContent =
        issues.length > 0
          ? `Not added: ${issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join('; ')}`
          : `Not added: ${(error as Error).message}`;
    }
  }

  async #remove(id: string): Promise<void> {
    try {
      await api.removeEndpoint(id);
      this.#result.textContent = `Removed endpoint ${id}.`;
      this.#onChange();
    } catch (error) {
      this.#result.textContent = `Not removed: ${(error as Error).message}`;
    }
  }
}
