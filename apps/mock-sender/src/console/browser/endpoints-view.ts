import { ApiError, api, type Endpoint, type EndpointInput, type Issue } from './api.js';
import { formatPath } from './display-format.js';
import { byId, h, keepingFocus } from './dom-builder.js';
import { generateSigningKey } from './signing-key.js';

function describe(endpoint: Endpoint): string {
  const events = endpoint.events === null ? 'every event' : endpoint.events.join(', ');
  const secret = endpoint.hasSecret ? `secret in ${endpoint.secretHeader}` : 'no secret';
  const key = endpoint.hasSigningKey ? 'signing key set' : 'no signing key';
  return `${endpoint.id} · ${events} · ${secret} · ${key}${endpoint.sign ? ' · signed' : ''}`;
}

// the form's label for each field an API issue can name (`sign: true` without a key names `sign`)
const FIELD_LABELS: Record<string, string> = {
  url: 'URL',
  secret: 'Secret',
  signingKey: 'Signing key',
  sign: 'Signing key',
  events: 'Events',
};

const isSigningIssue = (issue: Issue): boolean => issue.path[0] === 'signingKey' || issue.path[0] === 'sign';

function issueText(issue: Issue): string {
  const field = FIELD_LABELS[String(issue.path[0])];
  return `${field ?? formatPath(issue.path)}: ${issue.message}`;
}

/** the endpoint list with a remove button each, and the form that adds one */
export class EndpointsView {
  readonly #list = byId('endpoint-list', HTMLUListElement);
  readonly #empty = byId('endpoints-empty', HTMLParagraphElement);
  readonly #form = byId('endpoint-form', HTMLFormElement);
  readonly #events = byId('endpoint-events', HTMLDivElement);
  readonly #result = byId('endpoint-result', HTMLParagraphElement);
  readonly #signingKey = byId('endpoint-signing-key', HTMLInputElement);
  readonly #signingKeyError = byId('endpoint-signing-key-error', HTMLParagraphElement);
  readonly #sign = byId('endpoint-sign', HTMLInputElement);
  readonly #onChange: () => void;

  constructor(onChange: () => void) {
    this.#onChange = onChange;
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#add();
    });
    this.#form.addEventListener('reset', () => {
      this.#signingKey.type = 'password';
      this.#showSigningKeyIssues([]);
    });
    byId('generate-signing-key', HTMLButtonElement).addEventListener('click', () => this.#generate());
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

  /** a fresh key, shown in clear this once: the receiver needs a copy, and the API never returns it */
  #generate(): void {
    this.#signingKey.value = generateSigningKey();
    this.#signingKey.type = 'text';
    this.#sign.checked = true;
    this.#showSigningKeyIssues([]);
    this.#result.textContent = 'Copy the new signing key to your receiver before adding the endpoint.';
    this.#signingKey.select();
  }

  async #add(): Promise<void> {
    const data = new FormData(this.#form);
    const secret = String(data.get('secret') ?? '');
    const signingKey = String(data.get('signingKey') ?? '').trim();
    const events = data.getAll('events').map(String);
    const sign = data.get('sign') !== null;
    const input: EndpointInput = {
      url: String(data.get('url') ?? '').trim(),
      ...(secret === '' ? {} : { secret }),
      ...(signingKey === '' ? {} : { signingKey }),
      ...(events.length === 0 ? {} : { events }),
      // with a key the box says it all (the API would sign by default); without, unticked is the sender's default
      ...(sign || signingKey !== '' ? { sign } : {}),
    };
    try {
      const endpoint = await api.addEndpoint(input);
      this.#form.reset();
      this.#result.textContent = `Added ${endpoint.url} as ${endpoint.id}.`;
      this.#onChange();
    } catch (error) {
      const issues = error instanceof ApiError ? error.issues : [];
      this.#showSigningKeyIssues(issues.filter(isSigningIssue));
      this.#result.textContent =
        issues.length > 0
          ? `Not added: ${issues.map(issueText).join('; ')}`
          : `Not added: ${(error as Error).message}`;
    }
  }

  #showSigningKeyIssues(issues: readonly Issue[]): void {
    const invalid = issues.length > 0;
    this.#signingKeyError.hidden = !invalid;
    this.#signingKeyError.textContent = issues.map((issue) => issue.message).join('; ');
    this.#signingKey.setAttribute('aria-invalid', invalid ? 'true' : 'false');
    if (invalid) this.#signingKey.focus();
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
