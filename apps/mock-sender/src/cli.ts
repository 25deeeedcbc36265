#!/usr/bin/env node
import {
  DEFAULT_SECRET_HEADER,
  DELIVERY_TIMEOUT_MS,
  SUCCESS_RULES,
  type SuccessRule,
} from '@omni-webhooks/contract';
import { WEBHOOK_EVENT_TYPES } from '@omni-webhooks/schema';
import { Command, InvalidArgumentError, Option } from 'commander';
import { MAX_EVENTS_PER_REQUEST } from './event-factory.js';
import { runSend, SendInputError } from './send-command.js';
import { loadConfigOrExit, startService } from './service.js';

function integer(min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    }
    return parsed;
  };
}

function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) {
    throw new InvalidArgumentError('must be a number above 0');
  }
  return parsed;
}

function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError('must be an http(s) URL');
  }
  return value;
}

// exit 1 means "a delivery failed", so bad input exits 2
const INPUT_ERROR_EXIT_CODE = 2;

function fail(message: string): never {
  process.stderr.write(`omni-mock: ${message}\n`);
  process.exit(INPUT_ERROR_EXIT_CODE);
}

const program = new Command('omni-mock')
  .description('Mock OmniAI webhook sender: delivers events exactly as OmniAI documents')
  .showHelpAfterError('(add --help for usage)')
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : INPUT_ERROR_EXIT_CODE));

program
  .command('send')
  .description(
    'deliver events to a URL with the full contract (5 s timeout, retries after 1, 2, 4 min); ' +
      'prints each attempt; exits 0 when delivered, 1 when a delivery failed',
  )
  .argument('<event-type>', `one of: ${WEBHOOK_EVENT_TYPES.join(', ')}`)
  .requiredOption('--url <url>', 'receiver URL', httpUrl)
  .option('--secret <secret>', 'secret sent in the secret header (and the signing key with --sign)')
  .option('--header <name>', 'secret header name', DEFAULT_SECRET_HEADER)
  .option('--payload <file.json>', 'send this JSON event instead of a generated one')
  .option(
    '--count <n>',
    `events to send (1 to ${MAX_EVENTS_PER_REQUEST})`,
    integer(1, MAX_EVENTS_PER_REQUEST),
    1,
  )
  .option('--time-scale <x>', 'multiply retry waits (0.01 turns minutes into 0.6 s steps)', positiveNumber, 1)
  .option('--sign', 'add Standard Webhooks signature headers (needs --secret)')
  .option('--timeout <ms>', 'per-attempt timeout', integer(1, 600_000), DELIVERY_TIMEOUT_MS)
  .addOption(new Option('--success <rule>', 'what counts as delivered').choices(SUCCESS_RULES).default('200'))
  .option('--allow-invalid', 'send a payload that fails the event schema')
  .option('--concurrency <n>', 'attempts in flight at once', integer(1, 10_000), 64)
  .action(
    async (
      eventType: string,
      options: {
        url: string;
        secret?: string;
        header: string;
        payload?: string;
        count: number;
        timeScale: number;
        sign?: boolean;
        timeout: number;
        success: SuccessRule;
        allowInvalid?: boolean;
        concurrency: number;
      },
    ) => {
      if (options.sign && options.secret === undefined) {
        fail('--sign needs --secret (the signing key)');
      }
      try {
        const delivered = await runSend(
          {
            eventType,
            url: options.url,
            secret: options.secret,
            header: options.header,
            payloadFile: options.payload,
            count: options.count,
            timeScale: options.timeScale,
            sign: options.sign,
            timeoutMs: options.timeout,
            success: options.success,
            allowInvalid: options.allowInvalid,
            concurrency: options.concurrency,
          },
          process.stdout,
        );
        process.exitCode = delivered ? 0 : 1;
      } catch (error) {
        if (error instanceof SendInputError) {
          fail(error.message);
        }
        throw error;
      }
    },
  );

program
  .command('serve')
  .description('start the mock sender service (HTTP API, durable outbox); configured by the environment')
  .option('--port <port>', 'overrides PORT', integer(0, 65_535))
  .option('--host <host>', 'overrides HOST')
  .option('--target-url <url>', 'overrides TARGET_URL', httpUrl)
  .action(async (options: { port?: number; host?: string; targetUrl?: string }) => {
    const env = { ...process.env };
    if (options.port !== undefined) env.PORT = String(options.port);
    if (options.host !== undefined) env.HOST = options.host;
    if (options.targetUrl !== undefined) env.TARGET_URL = options.targetUrl;
    await startService(loadConfigOrExit(env));
  });

program
  .command('events')
  .description('list the OmniAI event types')
  .action(() => {
    process.stdout.write(`${WEBHOOK_EVENT_TYPES.join('\n')}\n`);
  });

await program.parseAsync();
