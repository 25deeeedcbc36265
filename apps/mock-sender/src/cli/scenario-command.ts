import { MAX_ATTEMPTS } from '@omni-webhooks/contract';
import {
  BUILT_IN_SCENARIOS,
  builtInScenario,
  createScenarioPlan,
  formatIssuePath,
  resolveScenario,
  type ScenarioFile,
  ScenarioFileError,
  type ScenarioPlan,
  type TrafficKnobs,
} from '@omni-webhooks/schema/fixtures';
import { type Command, InvalidArgumentError } from 'commander';
import { createInMemoryDeliverer } from '../scenarios/engine-deliverer.js';
import { ScenarioPlayer } from '../scenarios/scenario-player.js';
import type { PlayedDelivery } from '../scenarios/scenario-progress.js';
import { formatSummary, summarizeRun } from '../scenarios/scenario-summary.js';
import {
  addDeliveryOptions,
  CliInputError,
  type DeliveryCliOptions,
  type DeliveryCommandContext,
  type DeliveryOptions,
  deliveryOptionsOf,
  deliveryTarget,
  runDeliveryCommand,
} from './delivery-command.js';
import { addKnobOptions, knobOptionsOf } from './knob-options.js';
import { showProgress } from './scenario-progress-display.js';

/** failed deliveries listed by name after a run; the rest are counted */
const FAILURES_SHOWN = 10;

export interface ScenarioRunOptions extends DeliveryOptions {
  /** a built-in name or a scenario file */
  scenario: string;
  knobs: Partial<TrafficKnobs>;
  /** the events' wall-clock start (and their webhook ids); default now */
  startAtMs?: number | undefined;
  json?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

/** every problem of a scenario, one line each with its path */
function problemsOf(error: ScenarioFileError): string {
  const lines = error.issues.map((issue) => `  ${formatIssuePath(issue.path)}: ${issue.message}`);
  return `${error.source}: invalid scenario\n${lines.join('\n')}`;
}

async function readScenario(nameOrFile: string): Promise<ScenarioFile> {
  try {
    return await resolveScenario(nameOrFile);
  } catch (error) {
    if (error instanceof ScenarioFileError) throw new CliInputError(problemsOf(error));
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
      throw new CliInputError(
        `cannot read scenario ${nameOrFile}: ${(error as Error).message} (built-ins: ${BUILT_IN_SCENARIOS.join(', ')})`,
      );
    }
    throw error;
  }
}

/** the plan, or every problem a plan finds in the file (overrides that break an event, knobs out of range) */
function planOf(scenario: ScenarioFile, knobs: Partial<TrafficKnobs>, startAtMs: number): ScenarioPlan {
  try {
    return createScenarioPlan(scenario, { ...knobs, startAtMs });
  } catch (error) {
    if (error instanceof ScenarioFileError) throw new CliInputError(problemsOf(error));
    throw error;
  }
}

function failureLine(played: PlayedDelivery): string {
  const last = played.attempts.at(-1);
  const why = last === undefined ? 'no attempt' : last.status === null ? last.error : `HTTP ${last.status}`;
  const { delivery } = played;
  return `failed: #${delivery.index} ${delivery.type} of lead ${delivery.leadKey} after ${played.attempts.length}/${MAX_ATTEMPTS} attempts (${why})\n`;
}

/**
 * Plays a scenario to a URL with the full contract from an in-memory outbox: progress on stderr, then
 * the failures and the summary (text, or JSON with --json) on stdout. Resolves true when every
 * delivery succeeded.
 */
export async function runScenario(
  options: ScenarioRunOptions,
  streams: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<boolean> {
  const scenario = await readScenario(options.scenario);
  const plan = planOf(scenario, options.knobs, options.startAtMs ?? Date.now());
  const target = deliveryTarget(options, 'scenario', streams.stderr);
  const info = options.json ? streams.stderr : streams.stdout;
  info.write(
    `playing ${plan.scenario}: ${plan.journeys.length} journeys, ${plan.deliveries.length} deliveries ` +
      `(${plan.duplicates} duplicates) to ${options.url}, ${plan.knobs.concurrency} at once\n`,
  );
  const deliverer = createInMemoryDeliverer({
    target,
    concurrency: plan.knobs.concurrency,
    timeoutMs: options.timeoutMs,
    retryTimeScale: options.timeScale,
    successRule: options.success,
  });
  const player = new ScenarioPlayer({ plan, deliverer, signal: options.signal });
  const progress = showProgress(player, streams.stderr);
  let result: Awaited<ReturnType<ScenarioPlayer['play']>>;
  try {
    result = await player.play();
  } finally {
    progress.stop();
    await deliverer.close();
  }
  const summary = summarizeRun(result);
  const failures = result.played.filter((played) => played.state === 'failed');
  for (const failure of failures.slice(0, FAILURES_SHOWN)) info.write(failureLine(failure));
  if (failures.length > FAILURES_SHOWN) info.write(`failed: and ${failures.length - FAILURES_SHOWN} more\n`);
  streams.stdout.write(options.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
  return summary.failed === 0 && summary.unsettled === 0;
}

function listLines(): string {
  const width = Math.max(...BUILT_IN_SCENARIOS.map((name) => name.length));
  return BUILT_IN_SCENARIOS.map(
    (name) => `${name.padEnd(width)}  ${builtInScenario(name).description ?? ''}\n`,
  ).join('');
}

/** a file checked as a run would check it: its format, then the plan (leads 1) for override and knob problems */
async function validateFile(file: string): Promise<string> {
  const scenario = await readScenario(file);
  planOf(scenario, { leads: 1 }, Date.now());
  return `${file}: valid scenario ${scenario.name} (${scenario.steps.length} steps)\n`;
}

interface ScenarioCliOptions extends Omit<DeliveryCliOptions, 'url'> {
  url?: string;
  list?: boolean;
  validate?: string;
  startAt?: number;
  json?: boolean;
}

const parseStartAt = (value: string): number => {
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new InvalidArgumentError('must be an ISO date-time, e.g. 2025-11-01T12:00:00Z');
  return ms;
};

/** `omni-mock scenario` */
export function registerScenarioCommand(program: Command, context: DeliveryCommandContext): void {
  const { io, output, parsers } = context;
  const command = program
    .command('scenario')
    .description(
      'play realistic traffic: journeys of a built-in scenario or a scenario file, with the full delivery ' +
        'contract (5 s timeout, retries after 1, 2, 4 min); exits 0 when all were delivered, 1 when one failed, 2 on bad input',
    )
    .configureOutput(output)
    .argument(
      '[scenario]',
      `a built-in (${BUILT_IN_SCENARIOS.join(', ')}) or a scenario file (YAML or JSON)`,
    );
  addDeliveryOptions(command, parsers, undefined, { urlRequired: false });
  addKnobOptions(command)
    .option('--start-at <iso>', "the events' wall-clock start and webhook ids (default now)", parseStartAt)
    .option('--json', 'print the summary as JSON')
    .option('--list', 'list the built-in scenarios')
    .option('--validate <file>', 'check a scenario file, printing each problem with its path; sends nothing')
    .action((name: string | undefined, options: ScenarioCliOptions) =>
      runDeliveryCommand(context, async () => {
        if (options.list) {
          io.stdout.write(listLines());
          return true;
        }
        if (options.validate !== undefined) {
          io.stdout.write(await validateFile(options.validate));
          return true;
        }
        if (name === undefined) {
          throw new CliInputError('scenario: name a built-in or a file (--list shows the built-ins)');
        }
        if (options.url === undefined) throw new CliInputError("required option '--url <url>' not specified");
        const controller = new AbortController();
        // the first Ctrl-C stops starting deliveries and lets those in flight finish; the summary follows
        const release = io.onInterrupt?.(() => controller.abort());
        try {
          return await runScenario(
            {
              ...deliveryOptionsOf({ ...options, url: options.url }, io.env),
              scenario: name,
              knobs: knobOptionsOf(options as unknown as Record<string, unknown>),
              startAtMs: options.startAt,
              json: options.json,
              signal: controller.signal,
            },
            io,
          );
        } finally {
          release?.();
        }
      }),
    );
}
