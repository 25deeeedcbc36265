import { readFile } from 'node:fs/promises';
import { MAX_ATTEMPTS } from '@omni-webhooks/contract';
import { WEBHOOK_EVENT_TYPES } from '@omni-webhooks/schema';
import type { Command } from 'commander';
import { HttpError } from '../base/http-error.js';
import { buildEvents, MAX_EVENTS_PER_REQUEST } from '../events/event-factory.js';
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

export interface SendOptions extends DeliveryOptions {
  eventType: string;
  payloadFile?: string | undefined;
  count?: number | undefined;
  allowInvalid?: boolean | undefined;
}

async function readPayload(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliInputError(`cannot read --payload ${file}: ${(error as Error).message}`);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    throw new CliInputError(`--payload ${file} is not valid JSON`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new CliInputError(`--payload ${file} must hold a JSON object`);
  }
  return payload as Record<string, unknown>;
}

function eventsToSend(options: SendOptions, payload: Record<string, unknown> | undefined) {
  try {
    return buildEvents({
      event: options.eventType,
      payload,
      count: options.count,
      allowInvalid: options.allowInvalid,
    });
  } catch (error) {
    if (error instanceof HttpError) {
      const issues = (error.issues ?? []).map(
        (issue) => `\n  ${issue.path.join('.') || '(root)'}: ${issue.message}`,
      );
      throw new CliInputError(`${error.message}${issues.join('')}`);
    }
    throw error;
  }
}

/**
 * Delivers with the full contract from an in-memory outbox, writing each attempt to `out` as it
 * happens. Resolves true when every delivery succeeded.
 */
export async function runSend(options: SendOptions, out: NodeJS.WritableStream): Promise<boolean> {
  const target = deliveryTarget(options, 'cli', out);
  const payload = options.payloadFile === undefined ? undefined : await readPayload(options.payloadFile);
  const events = eventsToSend(options, payload);
  const total = events.length;
  out.write(`sending ${total} × ${options.eventType} to ${options.url}\n`);
  const { delivered, failed } = await deliverInMemory(
    events,
    target,
    { ...options, concurrency: options.concurrency ?? 64 },
    {
      attempt: (report, index) =>
        out.write(
          attemptLine(report, { label: total > 1 ? `[${index + 1}/${total}]` : undefined, durations: true }),
        ),
    },
  );
  out.write(
    failed === 0
      ? `delivered ${delivered}/${total}\n`
      : `failed: ${failed} of ${total} not delivered after ${MAX_ATTEMPTS} attempts\n`,
  );
  return failed === 0;
}

interface SendCliOptions extends DeliveryCliOptions {
  payload?: string;
  count: number;
  allowInvalid?: boolean;
}

/** `omni-mock send` */
export function registerSendCommand(program: Command, context: DeliveryCommandContext): void {
  const { io, output, parsers } = context;
  const command = program
    .command('send')
    .description(
      'deliver events to a URL with the full contract (5 s timeout, retries after 1, 2, 4 min); ' +
        'prints each attempt; exits 0 when delivered, 1 when a delivery failed, 2 on bad input',
    )
    .configureOutput(output)
    .argument('<event-type>', `one of: ${WEBHOOK_EVENT_TYPES.join(', ')}`);
  addDeliveryOptions(command, parsers, { help: 'attempts in flight at once (1 to 10000)', fallback: 64 })
    .option('--payload <file.json>', 'send this JSON event instead of a generated one')
    .option('--count <n>', `events to send (1 to ${MAX_EVENTS_PER_REQUEST})`, parsers.count, 1)
    .option('--allow-invalid', 'send a payload that fails the event schema')
    .action((eventType: string, options: SendCliOptions) =>
      runDeliveryCommand(context, () =>
        runSend(
          {
            ...deliveryOptionsOf(options, io.env),
            eventType,
            payloadFile: options.payload,
            count: options.count,
            allowInvalid: options.allowInvalid,
          },
          io.stdout,
        ),
      ),
    );
}
