import { readFile } from 'node:fs/promises';
import { MAX_ATTEMPTS } from '@omni-webhooks/contract';
import type { Command } from 'commander';
import { newId } from '../base/ids.js';
import type { OutboxEvent } from '../outbox/outbox.js';
import {
  addDeliveryOptions,
  attemptLine,
  CliInputError,
  type DeliveryCliOptions,
  type DeliveryCommandContext,
  type DeliveryOptions,
  deliverInMemory,
  deliveryOptionsOf,
  deliveryTarget,
  runDeliveryCommand,
} from './delivery-command.js';

export interface ReplayOptions extends DeliveryOptions {
  file: string;
  /** deliveries in flight at once; default 1, so events arrive in the order they were captured */
  concurrency?: number | undefined;
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
      throw new CliInputError(`${file} line ${index + 1} is not JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new CliInputError(`${file} line ${index + 1} is not a JSON object`);
    }
    const record = value as Record<string, unknown>;
    const exported = typeof record.body === 'string' && record.event === undefined;
    const body = exported ? (record.body as string) : line.replace(/\r$/, '');
    const type = exported ? record.type : record.event;
    events.push({ id: newId('msg'), type: typeof type === 'string' ? type : 'unknown', body });
  }
  if (events.length === 0) throw new CliInputError(`${file} holds no events`);
  return events;
}

/**
 * delivers every captured body, byte for byte, with the full contract (timeout, retries, secret and
 * signing as `send` does); prints progress and a summary. resolves true when every delivery succeeded
 */
export async function runReplay(options: ReplayOptions, out: NodeJS.WritableStream): Promise<boolean> {
  const target = deliveryTarget(options, 'replay', out);
  let text: string;
  try {
    text = await readFile(options.file, 'utf8');
  } catch (error) {
    throw new CliInputError(`cannot read ${options.file}: ${(error as Error).message}`);
  }
  const events = capturedEvents(text, options.file);
  const total = events.length;
  let settled = 0;
  out.write(`replaying ${total} event(s) from ${options.file} to ${options.url}\n`);
  // a line per failed attempt and per settled event: enough to follow a long replay
  const { delivered, failed } = await deliverInMemory(
    events,
    target,
    { ...options, concurrency: options.concurrency ?? 1 },
    {
      attempt: (report, index) => {
        if (!report.succeeded) {
          out.write(attemptLine(report, { label: `[${index + 1}/${total}]`, durations: false }));
        }
      },
      settled: (report, index) => {
        settled += 1;
        const state = report.state === 'succeeded' ? 'delivered' : 'FAILED';
        out.write(`[${settled}/${total}] ${events[index]?.type}  ${state}\n`);
      },
    },
  );
  out.write(
    failed === 0
      ? `replayed ${total}: ${delivered} delivered\n`
      : `replayed ${total}: ${delivered} delivered, ${failed} failed after ${MAX_ATTEMPTS} attempts\n`,
  );
  return failed === 0;
}

/** `omni-mock replay`: the delivery options of `send`, concurrency 1 by default */
export function registerReplayCommand(program: Command, context: DeliveryCommandContext): void {
  const { io, output, parsers } = context;
  const command = program
    .command('replay')
    .description(
      'deliver captured events (GET /events/export lines, or one event JSON per line) byte for byte, with ' +
        'the full contract (5 s timeout, retries after 1, 2, 4 min); exits 0 when all were delivered, 1 when ' +
        'one failed, 2 on bad input',
    )
    .configureOutput(output)
    .argument('<file.jsonl>', 'the captured events');
  addDeliveryOptions(command, parsers, {
    help: 'deliveries in flight at once (1 to 10000; 1 keeps the captured order)',
    fallback: 1,
  }).action((file: string, options: DeliveryCliOptions) =>
    runDeliveryCommand(context, () => runReplay({ ...deliveryOptionsOf(options, io.env), file }, io.stdout)),
  );
}
