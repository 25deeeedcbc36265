import { WEBHOOK_EVENT_TYPES } from '@omni-webhooks/schema';
import { Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { CONFIG_VARIABLES, headerNameSchema, httpUrlSchema } from '../config.js';
import { signingKeySchema } from '../endpoints/signing-key.js';
import { MAX_EVENTS_PER_REQUEST } from '../events/event-factory.js';
import { registerReplayCommand } from './replay-command.js';
import { registerSendCommand } from './send-command.js';
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

  const context = { io, fail, output, parsers: cliOptionParsers };
  registerSendCommand(program, context);
  registerReplayCommand(program, context);

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
