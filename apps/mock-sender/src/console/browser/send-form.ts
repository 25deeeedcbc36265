import { ApiError, api, type DeliverySummary, type Endpoint, type Issue } from './api.js';
import { byId, h } from './dom-builder.js';
import { issueItems } from './issue-list.js';

type ParsedPayload = { ok: true; payload: Record<string, unknown> } | { ok: false; issues: Issue[] };

function parsePayload(text: string): ParsedPayload {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, issues: [{ path: [], message: `not valid JSON: ${(error as Error).message}` }] };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, issues: [{ path: [], message: 'must be a JSON object' }] };
  }
  return { ok: true, payload: value as Record<string, unknown> };
}

/** the "send an event" form: a generated or edited payload, checked against the schema before it goes */
export class SendForm {
  readonly #form = byId('send-form', HTMLFormElement);
  readonly #type = byId('send-type', HTMLSelectElement);
  readonly #endpoint = byId('send-endpoint', HTMLSelectElement);
  readonly #editor = byId('payload-editor', HTMLDivElement);
  readonly #payload = byId('send-payload', HTMLTextAreaElement);
  readonly #issues = byId('payload-issues', HTMLDivElement);
  readonly #issueList = byId('payload-issue-list', HTMLUListElement);
  readonly #result = byId('send-result', HTMLParagraphElement);
  readonly #submit: HTMLButtonElement;
  readonly #onSent: (deliveries: DeliverySummary[]) => void;
  // the sample last loaded: replaced on a type change only while the user has not edited it
  #sample = '';

  constructor(onSent: (deliveries: DeliverySummary[]) => void) {
    this.#onSent = onSent;
    const submit = this.#form.querySelector('button[type="submit"]');
    if (!(submit instanceof HTMLButtonElement)) throw new Error('the send form has no submit button');
    this.#submit = submit;
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#send();
    });
    this.#form.addEventListener('change', (event) => {
      if (event.target === this.#type || (event.target as HTMLInputElement).name === 'payload-mode') {
        void this.#syncEditor();
      }
    });
    byId('regenerate', HTMLButtonElement).addEventListener('click', () => void this.#loadSample());
    byId('validate', HTMLButtonElement).addEventListener('click', () => void this.#check());
  }

  setEventTypes(types: readonly string[]): void {
    this.#type.replaceChildren(...types.map((type) => h('option', { value: type }, type)));
  }

  setEndpoints(endpoints: readonly Endpoint[]): void {
    const chosen = this.#endpoint.value;
    this.#endpoint.replaceChildren(
      h('option', { value: '' }, 'Every subscribed endpoint'),
      ...endpoints.map((endpoint) =>
        h(
          'option',
          { value: endpoint.id, selected: endpoint.id === chosen },
          `${endpoint.url} (${endpoint.id})`,
        ),
      ),
    );
  }

  get #edited(): boolean {
    const mode = this.#form.elements.namedItem('payload-mode');
    return mode instanceof RadioNodeList && mode.value === 'edited';
  }

  async #syncEditor(): Promise<void> {
    this.#editor.hidden = !this.#edited;
    this.#showIssues([]);
    if (this.#edited && (this.#payload.value === '' || this.#payload.value === this.#sample)) {
      await this.#loadSample();
    }
  }

  async #loadSample(): Promise<void> {
    try {
      const { payload } = await api.sample(this.#type.value);
      this.#sample = JSON.stringify(payload, null, 2);
      this.#payload.value = this.#sample;
      this.#showIssues([]);
    } catch (error) {
      this.#result.textContent = `Could not generate a sample: ${(error as Error).message}`;
    }
  }

  /** the edited payload if it passes the schema; otherwise shows why and answers undefined */
  async #check(): Promise<Record<string, unknown> | undefined> {
    const parsed = parsePayload(this.#payload.value);
    if (!parsed.ok) {
      this.#showIssues(parsed.issues);
      return undefined;
    }
    const { valid, issues } = await api.validate(this.#type.value, parsed.payload);
    this.#showIssues(issues);
    if (valid) this.#result.textContent = 'The payload matches the schema.';
    return valid ? parsed.payload : undefined;
  }

  async #send(): Promise<void> {
    this.#result.textContent = '';
    this.#submit.disabled = true;
    try {
      let payload: Record<string, unknown> | undefined;
      if (this.#edited) {
        payload = await this.#check();
        if (payload === undefined) {
          this.#result.textContent = 'Nothing was sent: fix the payload first.';
          return;
        }
      }
      const { events, deliveries } = await api.send({
        event: this.#type.value,
        ...(payload === undefined ? {} : { payload }),
        ...(this.#endpoint.value === '' ? {} : { endpointId: this.#endpoint.value }),
      });
      const count = deliveries.length;
      const ids = events.map((event) => event.id).join(', ');
      this.#result.textContent = `Sent ${this.#type.value} (${ids}): ${count} ${count === 1 ? 'delivery' : 'deliveries'} created.`;
      this.#onSent(deliveries);
    } catch (error) {
      if (error instanceof ApiError && error.issues.length > 0) this.#showIssues(error.issues);
      this.#result.textContent = `Not sent: ${(error as Error).message}`;
    } finally {
      this.#submit.disabled = false;
    }
  }

  #showIssues(issues: readonly Issue[]): void {
    this.#issues.hidden = issues.length === 0;
    this.#payload.setAttribute('aria-invalid', issues.length > 0 ? 'true' : 'false');
    this.#issueList.replaceChildren(...issueItems(issues));
  }
}
