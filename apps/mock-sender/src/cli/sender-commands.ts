import { type BoundedAnswer, BoundedFetchError, fetchBounded } from '@omni-webhooks/contract';
import { WEBHOOK_EVENT_TYPES } from '@omni-webhooks/schema';
import type { Command } from 'commander';
import type { CliIo } from './cli-io.js';

/** most bytes of an answer of the sender read (a page of deliveries is far smaller) */
export const SENDER_ANSWER_LIMIT_BYTES = 16 * 1024 * 1024;

/** exit code of a call the running sender refused or could not answer (bad input stays 2) */
export const SENDER_CALL_FAILED_EXIT_CODE = 1;

interface SenderTarget {
  sender: string;
  token?: string;
}

interface SenderAnswer {
  status: number;
  json: Record<string, unknown>;
}

class SenderCallError extends Error {
  override readonly name = 'SenderCallError';
}

const TOKEN_HELP =
  'the sender API token (one of its SENDER_API_TOKEN values); default: the SENDER_API_TOKEN variable ' +
  '(prefer it: a command line shows in ps)';

/** the token to send: --token, else the first SENDER_API_TOKEN value of the environment */
function tokenFor(options: SenderTarget, env: CliIo['env']): string | undefined {
  return options.token ?? (env.SENDER_API_TOKEN?.split(',')[0]?.trim() || undefined);
}

async function callSender(
  target: SenderTarget,
  env: CliIo['env'],
  method: string,
  path: string,
  body?: unknown,
): Promise<SenderAnswer> {
  const token = tokenFor(target, env);
  let response: BoundedAnswer;
  try {
    // as every client of the project: no redirect followed (it would carry the token), a bounded answer
    response = await fetchBounded(new URL(path, target.sender), {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? null : JSON.stringify(body),
      timeoutMs: 30_000,
      maxBytes: SENDER_ANSWER_LIMIT_BYTES,
    });
  } catch (error) {
    if (!(error instanceof BoundedFetchError)) throw error;
    throw new SenderCallError(`could not use the sender: ${error.message}`);
  }
  const { text } = response;
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    throw new SenderCallError(
      `${target.sender} answered ${response.status} without JSON: is it a mock sender?`,
    );
  }
  if (response.status === 401) {
    throw new SenderCallError(
      token
        ? 'the sender refused the token: it is not one of its SENDER_API_TOKEN values'
        : 'the sender needs a token: pass --token or set SENDER_API_TOKEN',
    );
  }
  if (response.status >= 300) {
    const error = json.error as { code?: string; message?: string } | undefined;
    throw new SenderCallError(
      `the sender answered ${response.status} ${error?.code ?? ''}: ${error?.message ?? text.slice(0, 200)}`,
    );
  }
  return { status: response.status, json };
}

function deliveryLines(deliveries: unknown): string {
  const rows = Array.isArray(deliveries) ? (deliveries as { id: string; url: string; state: string }[]) : [];
  return rows.map((delivery) => `${delivery.id}  ${delivery.state}  ${delivery.url}\n`).join('');
}

/** commands that drive a running sender through its HTTP API, with its API token */
export function addSenderCommands(
  program: Command,
  io: CliIo,
  parsers: { url: (value: string) => string; count: (value: string) => number },
): void {
  const output = {
    writeOut: (text: string) => io.stdout.write(text),
    writeErr: (text: string) => io.stderr.write(text),
  };
  const run = async (task: () => Promise<void>) => {
    try {
      await task();
    } catch (error) {
      if (!(error instanceof SenderCallError)) throw error;
      io.stderr.write(`omni-mock: ${error.message}\n`);
      io.setExitCode(SENDER_CALL_FAILED_EXIT_CODE);
    }
  };

  program
    .command('trigger')
    .description(
      'ask a running sender to create events and deliver them to its endpoints (POST /events); ' +
        'prints each delivery; exits 1 when the sender refuses',
    )
    .configureOutput(output)
    .argument('<event-type>', `one of: ${WEBHOOK_EVENT_TYPES.join(', ')}`)
    .requiredOption('--sender <url>', 'the running sender, e.g. http://127.0.0.1:4000', parsers.url)
    .option('--token <token>', TOKEN_HELP)
    .option('--count <n>', 'events to create', parsers.count, 1)
    .option('--endpoint <id>', 'deliver to this endpoint only')
    .action(async (event: string, options: SenderTarget & { count: number; endpoint?: string }) => {
      await run(async () => {
        const body = {
          event,
          count: options.count,
          ...(options.endpoint ? { endpointId: options.endpoint } : {}),
        };
        const { json } = await callSender(options, io.env, 'POST', '/events', body);
        io.stdout.write(deliveryLines(json.deliveries));
      });
    });

  program
    .command('redeliver')
    .description('ask a running sender to deliver a delivery again (POST /deliveries/:id/redeliver)')
    .configureOutput(output)
    .argument('<delivery-id>', 'the delivery to send again')
    .requiredOption('--sender <url>', 'the running sender, e.g. http://127.0.0.1:4000', parsers.url)
    .option('--token <token>', TOKEN_HELP)
    .action(async (id: string, options: SenderTarget) => {
      await run(async () => {
        const { json } = await callSender(
          options,
          io.env,
          'POST',
          `/deliveries/${encodeURIComponent(id)}/redeliver`,
        );
        io.stdout.write(deliveryLines([json.delivery]));
      });
    });
}
