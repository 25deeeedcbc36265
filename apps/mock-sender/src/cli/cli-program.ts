import {
  DEFAULT_SECRET_HEADER,
  DELIVERY_TIMEOUT_MS,
  SUCCESS_RULES,
  type SuccessRule,
} from '@omni-webhooks/contract';
import { WEBHOOK_EVENT_TYPES } from '@omni-webhooks/schema';
import { Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { CONFIG_VARIABLES, headerNameSchema, httpUrlSchema } from '../config.js';
import { signingKeySchema } from '../endpoints/signing-key.js';
import { MAX_EVENTS_PER_REQUEST } from '../events/event-factory.js';
import { registerReplayCommand } from './replay-command.js';
import { runSend, SendInputError } from './send-command.js';
import { addSenderCommands } from './sender-commands.js';

// exit 1 means "a delivery failed", so bad input exits 2
export const INPUT_ERROR_EXIT_CODE = 2;

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** ends the program with this code (process.exit in the binary) */
  exit: (code: number) => never;
  /** the exit code once the command returns */
  setExitCode: (code: number) => void;
  /** runs the service for `serve` */
  serve: (env: Record<string, string | undefined>) => Promise<void>;
  env: Record<string, string | undefined>;
}

/** an option parser from a zod schema: the same definition as the environment variable it mirrors */
function parsedBy<T extends z.ZodType>(schema: T) {
  return (value: string): z.output<T> => {
    const result = schema.safeParse(value);
    if (!result.success) {
      throw new InvalidArgumentError(result.error.issues.map((issue) => issue.message).join('; '));
    }
    return result.data;
  };
}

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be from ${min} to ${max}`).max(max, `must be from ${min} to ${max}`));

export const cliOptionParsers = {
  url: parsedBy(httpUrlSchema),
  header: parsedBy(headerNameSchema),
  secret: parsedBy(z.string().min(1, 'must not be empty')),
  signingKey: parsedBy(signingKeySchema),
  count: parsedBy(wholeNumber(1, MAX_EVENTS_PER_REQUEST)),
  // the RETRY_TIME_SCALE rule, after a check that it is written as a number at all ('' would coerce to 0)
  timeScale: (value: string): number => {
    if (!/^\d*\.?\d+(e[-+]?\d+)?$/i.test(value)) {
      throw new InvalidArgumentError('must be a number above 0 (0.01 turns minutes into 0.6 s steps)');
    }
    return parsedBy(CONFIG_VARIABLES.RETRY_TIME_SCALE.schema)(value);
  },
  timeout: parsedBy(wholeNumber(1, 600_000)),
  concurrency: parsedBy(wholeNumber(1, 10_000)),
  port: parsedBy(wholeNumber(0, 65_535)),
  host: parsedBy(CONFIG_VARIABLES.HOST.schema),
};

interface SendCliOptions {
  url: string;
  secret?: string;
  signingKey?: string;
  header: string;
  payload?: string;
  count: number;
  timeScale: number;
  sign?: boolean;
  timeout: number;
  success: SuccessRule;
  allowInvalid?: boolean;
  concurrency: number;
}

/** the omni-mock program; every bad input ends with exit code 2 and a message naming what is wrong */
export function createCli(io: CliIo): Command {
  const fail = (message: string): never => {
    io.stderr.write(`omni-mock: ${message}\n`);
    return io.exit(INPUT_ERROR_EXIT_CODE);
  };
  const output = {
    writeOut: (text: string) => io.stdout.write(text),
    writeErr: (text: string) => io.stderr.write(text),
  };
  const program = new Command('omni-mock')
    .description('Mock OmniAI webhook sender: delivers events exactly as OmniAI documents')
    .configureOutput(output)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride((error) => io.exit(error.exitCode === 0 ? 0 : INPUT_ERROR_EXIT_CODE));

  program
    .command('send')
    .description(
      'deliver events to a URL with the full contract (5 s timeout, retries after 1, 2, 4 min); ' +
        'prints each attempt; exits 0 when delivered, 1 when a delivery failed, 2 on bad input',
    )
    .configureOutput(output)
    .argument('<event-type>', `one of: ${WEBHOOK_EVENT_TYPES.join(', ')}`)
    .requiredOption('--url <url>', 'receiver URL', cliOptionParsers.url)
    .option('--secret <secret>', 'secret sent in the secret header', cliOptionParsers.secret)
    .option(
      '--signing-key <whsec_key>',
      'Standard Webhooks signing key (whsec_ + base64), never sent; signs the deliveries ' +
        '(default: WEBHOOK_SIGNING_KEY with --sign)',
      cliOptionParsers.signingKey,
    )
    .option('--header <name>', 'secret header name', cliOptionParsers.header, DEFAULT_SECRET_HEADER)
    .option('--payload <file.json>', 'send this JSON event instead of a generated one')
    .option('--count <n>', `events to send (1 to ${MAX_EVENTS_PER_REQUEST})`, cliOptionParsers.count, 1)
    .option(
      '--time-scale <x>',
      'multiply retry waits (0.01 turns minutes into 0.6 s steps; at most 1000)',
      cliOptionParsers.timeScale,
      1,
    )
    .option('--sign', 'add Standard Webhooks signature headers (needs --signing-key)')
    .option(
      '--timeout <ms>',
      'per-attempt timeout (1 to 600000)',
      cliOptionParsers.timeout,
      DELIVERY_TIMEOUT_MS,
    )
    .addOption(
      new Option('--success <rule>', 'what counts as delivered').choices(SUCCESS_RULES).default('200'),
    )
    .option('--allow-invalid', 'send a payload that fails the event schema')
    .option('--concurrency <n>', 'attempts in flight at once (1 to 10000)', cliOptionParsers.concurrency, 64)
    .action(async (eventType: string, options: SendCliOptions) => {
      const fromEnv = options.sign ? io.env.WEBHOOK_SIGNING_KEY || undefined : undefined;
      if (options.signingKey === undefined && fromEnv !== undefined) {
        const checked = signingKeySchema.safeParse(fromEnv);
        if (!checked.success) {
          fail(`WEBHOOK_SIGNING_KEY: ${checked.error.issues.map((issue) => issue.message).join('; ')}`);
        }
      }
      try {
        const delivered = await runSend(
          {
            eventType,
            url: options.url,
            secret: options.secret,
            signingKey: options.signingKey ?? fromEnv,
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
          io.stdout,
        );
        io.setExitCode(delivered ? 0 : 1);
      } catch (error) {
        if (error instanceof SendInputError) {
          fail(error.message);
        }
        throw error;
      }
    });

  registerReplayCommand(program, { io, fail, output, parsers: cliOptionParsers });

  program
    .command('serve')
    .description('start the mock sender service (HTTP API, durable outbox); configured by the environment')
    .configureOutput(output)
    .option('--port <port>', 'overrides PORT', cliOptionParsers.port)
    .option('--host <host>', 'overrides HOST', cliOptionParsers.host)
    .option('--target-url <url>', 'overrides TARGET_URL', cliOptionParsers.url)
    .option(
      '--token <token>',
      'overrides SENDER_API_TOKEN, the API token(s) the service requires (prefer the variable: a command line shows in ps)',
    )
    .action(async (options: { port?: number; host?: string; targetUrl?: string; token?: string }) => {
      const env = { ...io.env };
      if (options.port !== undefined) env.PORT = String(options.port);
      if (options.host !== undefined) env.HOST = options.host;
      if (options.targetUrl !== undefined) env.TARGET_URL = options.targetUrl;
      if (options.token !== undefined) env.SENDER_API_TOKEN = options.token;
      await io.serve(env);
    });

  addSenderCommands(program, io, cliOptionParsers);

  program
    .command('events')
    .description('list the OmniAI event types')
    .configureOutput(output)
    .action(() => {
      io.stdout.write(`${WEBHOOK_EVENT_TYPES.join('\n')}\n`);
    });

  return program;
}
