import {
  ApiError,
  api,
  type BuiltInScenario,
  type Endpoint,
  type Issue,
  type ScenarioRun,
  type ScenarioRunInput,
} from './api.js';
import { formatDuration } from './display-format.js';
import { byId, h } from './dom-builder.js';
import { issueItems } from './issue-list.js';

// a playing run is read again this often (GET /scenarios/:id): its counts change with every delivery
const POLL_MS = 500;

const COUNT_LABELS: [keyof ScenarioRun['progress'], string][] = [
  ['planned', 'Planned'],
  ['started', 'Started'],
  ['inFlight', 'In flight'],
  ['settled', 'Settled'],
  ['succeeded', 'Succeeded'],
  ['failed', 'Failed'],
  ['duplicates', 'Duplicates sent'],
  ['outOfOrder', 'Out-of-order arrivals'],
];

const STATUS_TEXT: Record<ScenarioRun['status'], string> = {
  running: 'playing',
  done: 'done',
  stopped: 'stopped',
  failed: 'failed',
};

const KNOB_FIELDS = ['leads', 'speed', 'duplicates', 'reorderWindowMs', 'seed'] as const;

function facts(entries: [string, string, string][]): HTMLElement[] {
  return entries.flatMap(([key, label, value]) => [h('dt', {}, label), h('dd', { 'data-fact': key }, value)]);
}

/** "Run a scenario": a built-in with its knobs, the run's counts while it plays, its summary once over */
export class ScenarioPanel {
  readonly #form = byId('scenario-form', HTMLFormElement);
  readonly #name = byId('scenario-name', HTMLSelectElement);
  readonly #description = byId('scenario-description', HTMLParagraphElement);
  readonly #endpoint = byId('scenario-endpoint', HTMLSelectElement);
  readonly #issues = byId('scenario-issues', HTMLDivElement);
  readonly #issueList = byId('scenario-issue-list', HTMLUListElement);
  readonly #result = byId('scenario-result', HTMLParagraphElement);
  readonly #stop = byId('scenario-stop', HTMLButtonElement);
  readonly #run = byId('scenario-run', HTMLDivElement);
  readonly #heading = byId('scenario-run-heading', HTMLHeadingElement);
  readonly #progress = byId('scenario-progress', HTMLProgressElement);
  readonly #counts = byId('scenario-counts', HTMLDListElement);
  readonly #summary = byId('scenario-summary', HTMLDivElement);
  readonly #summaryFacts = byId('scenario-summary-facts', HTMLDListElement);
  readonly #submit: HTMLButtonElement;
  #scenarios: BuiltInScenario[] = [];
  #shown: ScenarioRun | undefined;
  #poll: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    const submit = this.#form.querySelector('button[type="submit"]');
    if (!(submit instanceof HTMLButtonElement)) throw new Error('the scenario form has no submit button');
    this.#submit = submit;
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#start();
    });
    this.#name.addEventListener('change', () => this.#describe());
    this.#stop.addEventListener('click', () => void this.#stopRun());
  }

  setScenarios(scenarios: readonly BuiltInScenario[]): void {
    this.#scenarios = [...scenarios];
    this.#name.replaceChildren(
      ...scenarios.map((scenario) => h('option', { value: scenario.name }, scenario.name)),
    );
    this.#describe();
  }

  setEndpoints(endpoints: readonly Endpoint[]): void {
    const chosen = this.#endpoint.value || 'default';
    this.#endpoint.replaceChildren(
      ...endpoints.map((endpoint) =>
        h(
          'option',
          { value: endpoint.id, selected: endpoint.id === chosen },
          `${endpoint.url} (${endpoint.id})`,
        ),
      ),
    );
  }

  /** shows the newest run (a reload keeps showing the one playing) */
  async showLatest(): Promise<void> {
    const { runs } = await api.scenarioRuns(1);
    const [latest] = runs;
    if (latest) this.#show(latest);
  }

  #describe(): void {
    const scenario = this.#scenarios.find((candidate) => candidate.name === this.#name.value);
    this.#description.textContent = scenario?.description ?? '';
  }

  #input(): ScenarioRunInput {
    const input: ScenarioRunInput = { scenario: this.#name.value };
    if (this.#endpoint.value !== '') input.endpointId = this.#endpoint.value;
    for (const name of KNOB_FIELDS) {
      const field = this.#form.elements.namedItem(name);
      // left empty: the scenario's own value, or the default; anything else goes as typed, for the API to judge
      if (field instanceof HTMLInputElement && field.value.trim() !== '') input[name] = Number(field.value);
    }
    return input;
  }

  async #start(): Promise<void> {
    this.#result.textContent = '';
    this.#showIssues([]);
    this.#submit.disabled = true;
    try {
      const run = await api.startScenario(this.#input());
      this.#result.textContent = `Started ${run.scenario}: ${run.progress.planned} deliveries planned.`;
      this.#show(run);
    } catch (error) {
      if (error instanceof ApiError && error.issues.length > 0) this.#showIssues(error.issues);
      this.#result.textContent = `Not started: ${(error as Error).message}`;
    } finally {
      this.#submit.disabled = false;
    }
  }

  async #stopRun(): Promise<void> {
    const run = this.#shown;
    if (!run) return;
    this.#stop.disabled = true;
    try {
      this.#show(await api.stopScenario(run.id));
    } catch (error) {
      this.#result.textContent = `Could not stop the run: ${(error as Error).message}`;
    } finally {
      this.#stop.disabled = false;
    }
  }

  #show(run: ScenarioRun): void {
    const before = this.#shown;
    this.#shown = run;
    this.#run.hidden = false;
    this.#run.dataset.status = run.status;
    this.#heading.textContent = `${run.scenario} to ${run.endpointId}: ${STATUS_TEXT[run.status]}`;
    this.#progress.max = Math.max(1, run.progress.planned);
    this.#progress.value = run.progress.settled;
    this.#counts.replaceChildren(
      ...facts(COUNT_LABELS.map(([key, label]) => [key, label, String(run.progress[key])])),
    );
    this.#stop.hidden = run.status !== 'running';
    this.#renderSummary(run);
    if (before?.id === run.id && before.status === 'running' && run.status !== 'running') {
      this.#result.textContent = `Run ${STATUS_TEXT[run.status]}: ${run.progress.succeeded} of ${run.progress.planned} delivered${run.error ? ` (${run.error})` : ''}.`;
    }
    clearTimeout(this.#poll);
    this.#poll = run.status === 'running' ? setTimeout(() => void this.#refresh(run.id), POLL_MS) : undefined;
  }

  async #refresh(id: string): Promise<void> {
    try {
      const run = await api.scenarioRun(id);
      if (this.#shown?.id === id) this.#show(run);
    } catch (error) {
      this.#result.textContent = `Could not load the run: ${(error as Error).message}`;
      // tried again: a restarting sender answers once it is back
      this.#poll = setTimeout(() => void this.#refresh(id), POLL_MS * 4);
    }
  }

  #renderSummary(run: ScenarioRun): void {
    const { summary } = run;
    this.#summary.hidden = summary === null;
    if (summary === null) {
      this.#summaryFacts.replaceChildren();
      return;
    }
    const answer = summary.answerMs
      ? `p50 ${summary.answerMs.p50} ms · p95 ${summary.answerMs.p95} ms · p99 ${summary.answerMs.p99} ms`
      : '–';
    this.#summaryFacts.replaceChildren(
      ...facts([
        ['journeys', 'Journeys', String(summary.journeys)],
        ['deliveries', 'Deliveries', `${summary.deliveries} of ${summary.planned}`],
        ['firstAttemptSuccesses', 'First-attempt successes', String(summary.firstAttemptSuccesses)],
        ['retried', 'Retried', String(summary.retried)],
        ['failed', 'Failed', String(summary.failed)],
        ['duplicates', 'Duplicates sent', String(summary.duplicates)],
        ['outOfOrder', 'Out-of-order arrivals', String(summary.outOfOrder)],
        ['answerMs', 'Answer time', answer],
        ['elapsedMs', 'Took', formatDuration(summary.elapsedMs)],
      ]),
    );
  }

  #showIssues(issues: readonly Issue[]): void {
    this.#issues.hidden = issues.length === 0;
    this.#issueList.replaceChildren(...issueItems(issues));
  }
}
