import { readFile } from 'node:fs/promises';
import {
  DEFAULT_SECRET_HEADER,
  DELIVERY_TIMEOUT_MS,
  MAX_ATTEMPTS,
  SUCCESS_RULES,
  type SuccessRule,
} from '@omni-webhooks/contract';
import { type Command, Option } from 'commander';
import { headerNameSchema, httpUrlSchema } from '../config.js';
import { DeliveryEngine } from '../delivery/delivery-engine.js';
import { newId } from '../events/ids.js';
import { openDatabase } from '../outbox/database.js';
import { Outbox, type OutboxEvent } from '../outbox/outbox.js';
import type { CliIo } from './cli-program.js';

export interface ReplayOptions {
  file: string;
  url: string;
  secret?: string | undefined;
  header?: string | undefined;
  sign?: boolean | undefined;
  timeScale?: number | undefined;
  timeoutMs?: number | undefined;
  success?: SuccessRule | undefined;
  /** deliveries in flight at once; default 1, so events arrive in the order they were captured */
  concurrency?: number | undefined;
}

export class ReplayInputError extends Error {
  override readonly name = 'ReplayInputError';
}

/**
 * the events of a capture file: `GET /events/export` lines (the body exactly as received in `body`),
 * or one event JSON per line (sent as the line's own text)
 */
export function capturedEvents(text: string, file: string): OutboxEvent[] {
  const events: OutboxEvent[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ReplayInputError(`${file} line ${index + 1} is not JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ReplayInputError(`${file} line ${index + 1} is not a JSON object`);
    }
    const record = value as Record<string, unknown>;
    const exported = typeof record.body === 'string' && record.event === undefined;
    const body = exported ? (record.body as string) : line.replace(/\r$/, '');
    const type = exported ? record.type : record.event;
    events.push({ id: newId('msg'), type: typeof type === 'string' ? type : 'unknown', body });
  }
  if (events.length === 0) throw new ReplayInputError(`${file} holds no events`);
  return events;
}

/**
 * delivers every captured body, byte for byte, with the full contract (timeout, retries, secret and
 * signing as `send` does); prints progress and a summary. resolves true when every delivery succeeded
 */
export async function runReplay(options: ReplayOptions, out: NodeJS.WritableStream): Promise<boolean> {
  if (!httpUrlSchema.safeParse(options.url).success) {
    throw new ReplayInputError(`--url ${options.url} must be an absolute http(s) URL`);
  }
  if (options.header !== undefined && !headerNameSchema.safeParse(options.header).success) {
    throw new ReplayInputError(`--header ${JSON.stringify(options.header)} must be an HTTP header name`);
  }
  let text: string;
  try {
    text = await readFile(options.file, 'utf8');
  } catch (error) {
    throw new ReplayInputError(`cannot read ${options.file}: ${(error as Error).message}`);
  }
  const events = capturedEvents(text, options.file);

  const db = openDatabase('file::memory:');
  const outbox = new Outbox(db);
  const concurrency = options.concurrency ?? 1;
  const engine = new DeliveryEngine({
    outbox,
    timeoutMs: options.timeoutMs ?? DELIVERY_TIMEOUT_MS,
    retryTimeScale: options.timeScale ?? 1,
    successRule: options.success ?? '200',
    concurrency,
    endpointConcurrency: concurrency,
  });
  const deliveries = outbox.enqueue(
    events,
    () => [
      {
        endpointId: 'replay',
        url: options.url,
        secret: options.secret,
        secretHeader: options.header ?? DEFAULT_SECRET_HEADER,
        sign: options.sign === true,
      },
    ],
    Date.now(),
  );
  const labels = new Map(deliveries.map((delivery, index) => [delivery.id, index + 1]));
  const types = new Map(deliveries.map((delivery, index) => [delivery.id, events[index]?.type ?? '']));
  const total = deliveries.length;
  let delivered = 0;
  let failed = 0;
  // a line per failed attempt and per settled event: enough to follow a long replay
  engine.on('attempt', (report) => {
    if (report.succeeded) return;
    const outcome =
      report.outcome.status === null ? `error (${report.outcome.error})` : `HTTP ${report.outcome.status}`;
    const next =
      report.nextWaitMs === undefined ? 'no attempts left' : `next attempt in ${report.nextWaitMs} ms`;
    out.write(
      `[${labels.get(report.deliveryId)}/${total}] attempt ${report.n}/${MAX_ATTEMPTS}  ${outcome}  ${next}\n`,
    );
  });
  engine.on('settled', (report) => {
    if (report.state === 'succeeded') delivered += 1;
    else failed += 1;
    const state = report.state === 'succeeded' ? 'delivered' : 'FAILED';
    out.write(`[${delivered + failed}/${total}] ${types.get(report.deliveryId)}  ${state}\n`);
  });
  out.write(`replaying ${total} event(s) from ${options.file} to ${options.url}\n`);
  engine.scheduleAll(deliveries.map((delivery) => delivery.id));
  await engine.idle();
  db.close();
  out.write(
    failed === 0
      ? `replayed ${total}: ${delivered} delivered\n`
      : `replayed ${total}: ${delivered} delivered, ${failed} failed after ${MAX_ATTEMPTS} attempts\n`,
  );
  return failed === 0;
}

interface ReplayCliOptions {
  url: string;
  secret?: string;
  header: string;
  sign?: boolean;
  timeScale: number;
  timeout: number;
  success: SuccessRule;
  concurrency: number;
}

export interface ReplayCommandContext {
  io: CliIo;
  fail: (message: string) => never;
  output: { writeOut: (text: string) => void; writeErr: (text: string) => void };
  parsers: {
    url: (value: string) => string;
    header: (value: string) => string;
    secret: (value: string) => string;
    timeScale: (value: string) => number;
    timeout: (value: string) => number;
    concurrency: (value: string) => number;
  };
}

/** `omni-mock replay`: the options mirror `send` */
export function registerReplayCommand(
  program: Command,
  { io, fail, output, parsers }: ReplayCommandContext,
): void {
  program
    .command('replay')
    .description(
      'deliver captured events (GET /events/export lines, or one event JSON per line) byte for byte, with ' +
        'the full contract (5 s timeout, retries after 1, 2, 4 min); exits 0 when all were delivered, 1 when ' +
        'one failed, 2 on bad input',
    )
    .configureOutput(output)
    .argument('<file.jsonl>', 'the captured events')
    .requiredOption('--url <url>', 'receiver URL', parsers.url)
    .option(
      '--secret <secret>',
      'secret sent in the secret header (and the signing key with --sign)',
      parsers.secret,
    )
    .option('--header <name>', 'secret header name', parsers.header, DEFAULT_SECRET_HEADER)
    .option('--sign', 'add Standard Webhooks signature headers (needs --secret)')
    .option(
      '--time-scale <x>',
      'multiply retry waits (0.01 turns minutes into 0.6 s steps; at most 1000)',
      parsers.timeScale,
      1,
    )
    .option('--timeout <ms>', 'per-attempt timeout (1 to 600000)', parsers.timeout, DELIVERY_TIMEOUT_MS)
    .addOption(
      new Option('--success <rule>', 'what counts as delivered').choices(SUCCESS_RULES).default('200'),
    )
    .option(
      '--concurrency <n>',
      'deliveries in flight at once (1 to 10000; 1 keeps the captured order)',
      parsers.concurrency,
      1,
    )
    .action(async (file: string, options: ReplayCliOptions) => {
      if (options.sign && options.secret === undefined) fail('--sign needs --secret (the signing key)');
      try {
        const delivered = await runReplay(
          {
            file,
            url: options.url,
            secret: options.secret,
            header: options.header,
            sign: options.sign,
            timeScale: options.timeScale,
            timeoutMs: options.timeout,
            success: options.success,
            concurrency: options.concurrency,
          },
          io.stdout,
        );
        io.setExitCode(delivered ? 0 : 1);
      } catch (error) {
        if (error instanceof ReplayInputError) fail(error.message);
        throw error;
      }
    });
}
