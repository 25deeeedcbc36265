// a POST /scenarios body: which scenario (a built-in or a file inline), the traffic knobs by their
// TRAFFIC_KNOBS names, the endpoint and the events' start; and the plan it makes, bounded. every
// problem comes back with its path before anything is stored or sent
import {
  BUILT_IN_SCENARIOS,
  builtInScenario,
  createScenarioPlan,
  isBuiltInScenario,
  maxPlannedDeliveries,
  type ScenarioFile,
  ScenarioFileError,
  type ScenarioPlan,
  safeValidateScenario,
  type TrafficKnobs,
  trafficKnobsSchema,
} from '@omni-webhooks/schema/fixtures';
import { z } from 'zod';
import { type ErrorIssue, HttpError } from '../base/http-error.js';
import type { StoredRunRequest } from './scenario-run-store.js';

export interface ScenarioRunLimits {
  /** deliveries one run's plan may hold, duplicates included */
  deliveries: number;
  /** runs playing at once, all endpoints together (one per endpoint besides) */
  activeRuns: number;
}

export const DEFAULT_SCENARIO_RUN_LIMITS: ScenarioRunLimits = { deliveries: 20_000, activeRuns: 4 };

const runRequestBody = z.strictObject({
  scenario: z.union([z.string().min(1), z.record(z.string(), z.unknown())], {
    error: 'a built-in scenario name or a scenario object',
  }),
  endpointId: z.string().min(1).optional(),
  startAt: z.iso.datetime({ offset: true }).optional(),
  // the engine is the service's: its retry waits follow RETRY_TIME_SCALE, one scale for every delivery
  timeScale: z
    .unknown()
    .refine(() => false, {
      message: "retry waits follow the sender's RETRY_TIME_SCALE; compress journey time with speed",
    })
    .optional(),
  ...trafficKnobsSchema.shape,
});

export interface RunRequest {
  scenario: ScenarioFile;
  /** the scenario as given (a name or the inline file): what the plan is rebuilt from on a restart */
  source: StoredRunRequest['scenario'];
  knobs: Partial<TrafficKnobs>;
  endpointId: string | undefined;
  startAtMs: number | undefined;
}

function issuesOf(error: z.ZodError): ErrorIssue[] {
  return error.issues.flatMap((issue): ErrorIssue[] => {
    const path = issue.path.map((key) => (typeof key === 'number' ? key : String(key)));
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key], message: 'unknown key', code: issue.code }));
    }
    return [{ path, message: issue.message, code: issue.code }];
  });
}

const inScenario = (error: ScenarioFileError): ErrorIssue[] =>
  error.issues.map((issue) => ({ path: ['scenario', ...issue.path], message: issue.message }));

function invalid(issues: ErrorIssue[]): HttpError {
  return new HttpError(400, 'invalid_request', 'invalid POST /scenarios body', issues);
}

/** a built-in by name or an inline scenario file, validated; the issues with their paths otherwise */
export function scenarioOf(
  value: string | Record<string, unknown>,
): { scenario: ScenarioFile } | { issues: ErrorIssue[] } {
  if (typeof value === 'string') {
    if (isBuiltInScenario(value)) return { scenario: builtInScenario(value) };
    return {
      issues: [
        {
          path: ['scenario'],
          message: `no built-in scenario ${value} (built-ins: ${BUILT_IN_SCENARIOS.join(', ')})`,
        },
      ],
    };
  }
  const result = safeValidateScenario(value);
  return result.success ? { scenario: result.scenario } : { issues: inScenario(result.error) };
}

/** the body checked whole: the body's own problems and the inline scenario's, in one 400 */
export function parseRunRequest(body: unknown): RunRequest {
  const parsed = runRequestBody.safeParse(body);
  const issues = parsed.success ? [] : issuesOf(parsed.error);
  const raw = (typeof body === 'object' && body !== null ? body : {}) as { scenario?: unknown };
  const given = parsed.success ? parsed.data.scenario : raw.scenario;
  const resolved =
    typeof given === 'string' || (typeof given === 'object' && given !== null && !Array.isArray(given))
      ? scenarioOf(given as string | Record<string, unknown>)
      : undefined;
  if (resolved && 'issues' in resolved) issues.push(...resolved.issues);
  if (!parsed.success || !resolved || 'issues' in resolved || issues.length > 0) throw invalid(issues);
  const { scenario: _scenario, endpointId, startAt, timeScale: _timeScale, ...knobs } = parsed.data;
  return {
    scenario: resolved.scenario,
    source: parsed.data.scenario,
    knobs,
    endpointId,
    startAtMs: startAt === undefined ? undefined : Date.parse(startAt),
  };
}

function tooMany(what: string, limit: number): HttpError {
  return new HttpError(
    413,
    'too_many_deliveries',
    `${what}, more than the ${limit} one scenario run may make: ask for fewer leads or duplicates`,
  );
}

/**
 * The plan of a run, or a 400 with what the plan finds wrong in the scenario (overrides that break an
 * event, a file knob out of range), or a 413 over the limit. The size is bounded from the file first
 * (every step at its largest repeat), so a small body asking for a million events is refused without
 * expanding one.
 */
export function planRun(
  scenario: ScenarioFile,
  knobs: Partial<TrafficKnobs>,
  startAtMs: number,
  maxDeliveries: number,
): ScenarioPlan {
  try {
    const leads = knobs.leads ?? scenario.leads ?? 1;
    if (leads > maxDeliveries)
      throw tooMany(`${leads} leads make at least ${leads} deliveries`, maxDeliveries);
    const bound = maxPlannedDeliveries(scenario, knobs);
    if (bound > maxDeliveries) {
      throw tooMany(`${leads} leads of this scenario can make up to ${bound} deliveries`, maxDeliveries);
    }
    // duplicates are drawn: the plan can pass the bound by a few
    const plan = createScenarioPlan(scenario, { ...knobs, startAtMs });
    if (plan.deliveries.length > maxDeliveries) {
      throw tooMany(`the plan has ${plan.deliveries.length} deliveries`, maxDeliveries);
    }
    return plan;
  } catch (error) {
    if (error instanceof ScenarioFileError) throw invalid(inScenario(error));
    throw error;
  }
}
