import {
  DEFAULT_SECRET_HEADER,
  DELIVERY_TIMEOUT_MS,
  MAX_ATTEMPTS,
  SUCCESS_RULES,
  type SuccessRule,
} from '@omni-webhooks/contract';
import { type Command, Option } from 'commander';
import { headerNameSchema, httpUrlSchema } from '../base/field-schemas.js';
import type { AttemptReport, SettledReport } from '../delivery/delivery-engine.js';
import { openInMemoryEngine } from '../delivery/in-memory-engine.js';
import { dispatchEvents } from '../dispatch/dispatch.js';
import { resolveSigningKey, signingKeySchema } from '../endpoints/signing-key.js';
import type { DeliveryTarget, OutboxEvent } from '../outbox/outbox.js';
import type { CliIo } from './cli-io.js';
import type { cliOptionParsers } from './option-parsers.js';

// what `send` and `replay` share: their delivery options, the checks on them, signing, the in-memory
// engine and the attempt lines

/** bad input of a delivery command: refused before anything is sent, exit code 2 */
export class CliInputError extends Error {
  override readonly name = 'CliInputError';
}

/** where and how a command delivers */
export interface DeliveryOptions {
  url: string;
  secret?: string | undefined;
  /** the `whsec_` key signatures are made with (sign implies it, or a deprecated whsec_ secret) */
  signingKey?: string | undefined;
  header?: string | undefined;
  sign?: boolean | undefined;
  timeScale?: number | undefined;
  timeoutMs?: number | undefined;
  success?: SuccessRule | undefined;
  concurrency?: number | undefined;
}

/**
 * The checked target of every delivery. Refuses a bad url, header name or a signature without a key
 * (a bad header name would fail every attempt, and only then); warns when a whsec_ secret signs.
 */
export function deliveryTarget(
  options: DeliveryOptions,
  endpointId: string,
  out: NodeJS.WritableStream,
): DeliveryTarget {
  if (!httpUrlSchema.safeParse(options.url).success) {
    throw new CliInputError(`--url ${options.url} must be an absolute http(s) URL`);
  }
  if (options.header !== undefined && !headerNameSchema.safeParse(options.header).success) {
    throw new CliInputError(`--header ${JSON.stringify(options.header)} must be an HTTP header name`);
  }
  const signing = options.sign === true || options.signingKey !== undefined;
  const resolved = resolveSigningKey(options.signingKey, signing ? options.secret : undefined);
  if (signing && resolved.key === undefined) {
    throw new CliInputError(
      '--sign needs --signing-key whsec_... (or WEBHOOK_SIGNING_KEY): the secret is sent in clear, so it cannot sign',
    );
  }
  if (resolved.fromSecret) {
    out.write(
      'warning: signing with the whsec_ --secret, which is also sent in clear; use --signing-key (deprecated)\n',
    );
  }
  return {
    endpointId,
    url: options.url,
    secret: options.secret,
    secretHeader: options.header ?? DEFAULT_SECRET_HEADER,
    signingKey: resolved.key,
    sign: resolved.key !== undefined,
  };
}

/** progress of each delivery; `index` is its event's position in the list delivered */
export interface DeliveryProgress {
  attempt?: (report: AttemptReport, index: number) => void;
  settled?: (report: SettledReport, index: number) => void;
}

/**
 * Delivers every event to the target with the full contract from an in-memory outbox and resolves
 * once all have settled.
 */
export async function deliverInMemory(
  events: readonly OutboxEvent[],
  target: DeliveryTarget,
  options: DeliveryOptions & { concurrency: number },
  progress: DeliveryProgress,
): Promise<{ delivered: number; failed: number }> {
  const { db, outbox, engine } = openInMemoryEngine({
    concurrency: options.concurrency,
    timeoutMs: options.timeoutMs,
    retryTimeScale: options.timeScale,
    successRule: options.success,
  });
  try {
    // one target: one delivery per event, in the events' order (reports come from attempts, which
    // start after dispatch returns: no report arrives before the map is filled)
    const indexes = new Map<string, number>();
    const indexOf = (deliveryId: string) => indexes.get(deliveryId) as number;
    let delivered = 0;
    engine.on('attempt', (report) => progress.attempt?.(report, indexOf(report.deliveryId)));
    engine.on('settled', (report) => {
      if (report.state === 'succeeded') delivered += 1;
      progress.settled?.(report, indexOf(report.deliveryId));
    });
    const deliveries = dispatchEvents({ outbox, engine }, events, () => [target], Date.now());
    for (const [index, delivery] of deliveries.entries()) indexes.set(delivery.id, index);
    await engine.idle();
    return { delivered, failed: deliveries.length - delivered };
  } finally {
    db.close();
  }
}

/** `[label ]attempt 2/4  HTTP 503  [12 ms  ]next attempt in 120000 ms` */
export function attemptLine(
  report: AttemptReport,
  { label, durations }: { label?: string | undefined; durations: boolean },
): string {
  const outcome =
    report.outcome.status === null ? `error (${report.outcome.error})` : `HTTP ${report.outcome.status}`;
  const next = report.succeeded
    ? 'delivered'
    : report.nextWaitMs === undefined
      ? 'failed: no attempts left'
      : `next attempt in ${report.nextWaitMs} ms`;
  const prefix = label === undefined ? '' : `${label} `;
  const duration = durations ? `${report.outcome.durationMs} ms  ` : '';
  return `${prefix}attempt ${report.n}/${MAX_ATTEMPTS}  ${outcome}  ${duration}${next}\n`;
}

export interface DeliveryCommandContext {
  io: CliIo;
  fail: (message: string) => never;
  output: { writeOut: (text: string) => void; writeErr: (text: string) => void };
  parsers: typeof cliOptionParsers;
}

/** the options every delivery command takes, as parsed by commander */
export interface DeliveryCliOptions {
  url: string;
  secret?: string;
  signingKey?: string;
  header: string;
  sign?: boolean;
  timeScale: number;
  timeout: number;
  success: SuccessRule;
  concurrency: number;
}

/**
 * adds the delivery options to a command; only the concurrency differs between commands (undefined:
 * the command has its own, `scenario`'s knob), and `--url` is optional where a command can do without
 */
export function addDeliveryOptions(
  command: Command,
  parsers: typeof cliOptionParsers,
  concurrency: { help: string; fallback: number } | undefined,
  { urlRequired = true }: { urlRequired?: boolean } = {},
): Command {
  if (urlRequired) command.requiredOption('--url <url>', 'receiver URL', parsers.url);
  else command.option('--url <url>', 'receiver URL', parsers.url);
  command
    .option('--secret <secret>', 'secret sent in the secret header', parsers.secret)
    .option(
      '--signing-key <whsec_key>',
      'Standard Webhooks signing key (whsec_ + base64), never sent; signs the deliveries ' +
        '(default: WEBHOOK_SIGNING_KEY with --sign)',
      parsers.signingKey,
    )
    .option('--header <name>', 'secret header name', parsers.header, DEFAULT_SECRET_HEADER)
    .option('--sign', 'add Standard Webhooks signature headers (needs --signing-key)')
    .option(
      '--time-scale <x>',
      'multiply retry waits (0.01 turns minutes into 0.6 s steps; at most 1000)',
      parsers.timeScale,
      1,
    )
    .option('--timeout <ms>', 'per-attempt timeout (1 to 600000)', parsers.timeout, DELIVERY_TIMEOUT_MS)
    .addOption(
      new Option('--success <rule>', 'what counts as delivered').choices(SUCCESS_RULES).default('200'),
    );
  if (concurrency) {
    command.option('--concurrency <n>', concurrency.help, parsers.concurrency, concurrency.fallback);
  }
  return command;
}

/** the parsed flags as DeliveryOptions; with --sign and no --signing-key, WEBHOOK_SIGNING_KEY is the key */
export function deliveryOptionsOf(options: DeliveryCliOptions, env: CliIo['env']): DeliveryOptions {
  const fromEnv = options.sign ? env.WEBHOOK_SIGNING_KEY || undefined : undefined;
  if (options.signingKey === undefined && fromEnv !== undefined) {
    const checked = signingKeySchema.safeParse(fromEnv);
    if (!checked.success) {
      throw new CliInputError(
        `WEBHOOK_SIGNING_KEY: ${checked.error.issues.map((issue) => issue.message).join('; ')}`,
      );
    }
  }
  return {
    url: options.url,
    secret: options.secret,
    signingKey: options.signingKey ?? fromEnv,
    header: options.header,
    sign: options.sign,
    timeScale: options.timeScale,
    timeoutMs: options.timeout,
    success: options.success,
    concurrency: options.concurrency,
  };
}

/** runs a delivery command: exit code 0 when all were delivered, 1 when one failed, 2 on bad input */
export async function runDeliveryCommand(
  { io, fail }: Pick<DeliveryCommandContext, 'io' | 'fail'>,
  run: () => Promise<boolean>,
): Promise<void> {
  try {
    io.setExitCode((await run()) ? 0 : 1);
  } catch (error) {
    if (error instanceof CliInputError) fail(error.message);
    throw error;
  }
}
