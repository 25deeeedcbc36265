// the JSON the sender's HTTP API answers (see DeliveryView in outbox.ts; a type test keeps them in step)

export type DeliveryState = 'pending' | 'in_flight' | 'succeeded' | 'failed';

export interface Attempt {
  n: number;
  startedAt: string;
  durationMs: number | null;
  status: number | null;
  error: string | null;
  responseBody: string | null;
}

/** a row of GET /deliveries: no payload, no response bodies */
export interface DeliveryRow {
  id: string;
  event: string;
  eventId: string;
  endpointId: string;
  url: string;
  state: DeliveryState;
  attempts: Omit<Attempt, 'responseBody'>[];
  nextAttemptAt: string | null;
  createdAt: string;
  redeliveryOf: string | null;
}

/** GET /deliveries/:id: the delivery whole */
export interface Delivery extends Omit<DeliveryRow, 'attempts'> {
  attempts: Attempt[];
  payload: unknown;
}

export interface DeliverySummary {
  id: string;
  endpointId: string;
  url: string;
  state: DeliveryState;
}

export interface Endpoint {
  id: string;
  url: string;
  secretHeader: string;
  events: string[] | null;
  sign: boolean;
  hasSecret: boolean;
  hasSigningKey: boolean;
  createdAt: string;
}

export interface Issue {
  path: (string | number)[];
  message: string;
  code?: string;
}

export interface EndpointInput {
  url: string;
  secret?: string;
  signingKey?: string;
  events?: string[];
  sign?: boolean;
}

/** an event of the POST /events answer: its id and type (the payload only with ?include=payload) */
export interface SentEvent {
  id: string;
  event: string;
}

export interface SendInput {
  event: string;
  payload?: Record<string, unknown>;
  endpointId?: string;
}

export type ScenarioRunStatus = 'running' | 'done' | 'stopped' | 'failed';

export interface ScenarioRunProgress {
  planned: number;
  started: number;
  inFlight: number;
  settled: number;
  succeeded: number;
  failed: number;
  duplicates: number;
  outOfOrder: number;
}

export interface ScenarioRunSummary {
  scenario: string;
  journeys: number;
  planned: number;
  deliveries: number;
  skipped: number;
  unsettled: number;
  firstAttemptSuccesses: number;
  retried: number;
  failed: number;
  duplicates: number;
  outOfOrder: number;
  answerMs: { p50: number; p95: number; p99: number } | undefined;
  elapsedMs: number;
  deliveriesPerSecond: number;
  aborted: boolean;
}

/** GET /scenarios/:id (see RunView in scenario-runs.ts) */
export interface ScenarioRun {
  id: string;
  scenario: string;
  endpointId: string;
  status: ScenarioRunStatus;
  error: string | null;
  knobs: Record<string, number>;
  effectiveConcurrency: number;
  startAt: string;
  createdAt: string;
  finishedAt: string | null;
  progress: ScenarioRunProgress;
  summary: ScenarioRunSummary | null;
}

export interface ScenarioRunInput {
  scenario: string;
  endpointId?: string;
  leads?: number;
  speed?: number;
  duplicates?: number;
  reorderWindowMs?: number;
  seed?: number;
}

/** a built-in scenario, as GET /console/settings lists them */
export interface BuiltInScenario {
  name: string;
  description: string;
}

/** one message of GET /deliveries/stream */
export type FeedEvent =
  | { type: 'attempt'; data: { deliveryId: string; n: number; status: number | null; succeeded: boolean } }
  | { type: 'settled'; data: { deliveryId: string; state: 'succeeded' | 'failed'; attempts: number } }
  | { type: 'change'; data: { method: string; path: string } };

export interface DeliveryFilters {
  state: string;
  event: string;
}

/** an error answer of the API, with its schema issues when it has some */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: Issue[],
  ) {
    super(message);
  }
}

interface ErrorBody {
  error?: { code?: string; message?: string; issues?: Issue[] };
}

/** GET /console/session */
export interface SessionState {
  required: boolean;
  signedIn: boolean;
  csrfToken?: string;
  session?: string;
}

// the session's CSRF token: every state-changing request repeats it (the cookie alone is not enough)
let csrfToken: string | undefined;

export function useCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

let sessionEnded = (): void => {};

/** runs when the API says the caller is not signed in (sign-out elsewhere, expiry, a restart) */
export function whenSessionEnds(handler: () => void): void {
  sessionEnded = handler;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> =
    body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' };
  if (method !== 'GET' && csrfToken !== undefined) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await response.text();
  const json: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const error = (json as ErrorBody | undefined)?.error;
    if (response.status === 401 && error?.code === 'unauthorized') sessionEnded();
    throw new ApiError(
      response.status,
      error?.code ?? 'http_error',
      error?.message ?? `HTTP ${response.status}`,
      error?.issues ?? [],
    );
  }
  return json as T;
}

export const api = {
  session: () => request<SessionState>('GET', '/console/session'),
  signIn: (token: string) => request<SessionState>('POST', '/console/session', { token }),
  signOut: () => request<undefined>('DELETE', '/console/session'),
  settings: () =>
    request<{ eventTypes: string[]; maxAttempts: number; scenarios: BuiltInScenario[] }>(
      'GET',
      '/console/settings',
    ),
  sample: (event: string) =>
    request<{ payload: Record<string, unknown> }>('GET', `/events/sample?event=${encodeURIComponent(event)}`),
  validate: (event: string, payload: Record<string, unknown>) =>
    request<{ valid: boolean; issues: Issue[] }>('POST', '/events/validate', { event, payload }),
  send: (input: SendInput) =>
    request<{ events: SentEvent[]; deliveries: DeliverySummary[] }>('POST', '/events', input),
  deliveries: (filters: DeliveryFilters, limit: number) => {
    const query = new URLSearchParams({ limit: String(limit) });
    if (filters.state) query.set('state', filters.state);
    if (filters.event) query.set('event', filters.event);
    return request<{ deliveries: DeliveryRow[] }>('GET', `/deliveries?${query}`);
  },
  delivery: (id: string) => request<Delivery>('GET', `/deliveries/${encodeURIComponent(id)}`),
  redeliver: (id: string) =>
    request<{ delivery: DeliverySummary }>('POST', `/deliveries/${encodeURIComponent(id)}/redeliver`),
  startScenario: (input: ScenarioRunInput) => request<ScenarioRun>('POST', '/scenarios', input),
  scenarioRuns: (limit: number) => request<{ runs: ScenarioRun[] }>('GET', `/scenarios?limit=${limit}`),
  scenarioRun: (id: string) => request<ScenarioRun>('GET', `/scenarios/${encodeURIComponent(id)}`),
  stopScenario: (id: string) => request<ScenarioRun>('POST', `/scenarios/${encodeURIComponent(id)}/stop`),
  endpoints: () => request<{ endpoints: Endpoint[] }>('GET', '/endpoints'),
  addEndpoint: (input: EndpointInput) => request<Endpoint>('POST', '/endpoints', input),
  removeEndpoint: (id: string) => request<undefined>('DELETE', `/endpoints/${encodeURIComponent(id)}`),
};
