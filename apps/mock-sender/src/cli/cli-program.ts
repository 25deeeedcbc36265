import { WEBHOOK_EVENT_TYPES } from '@omni-webhooks/schema';
import { Command } from 'commander';
import { type CliIo, INPUT_ERROR_EXIT_CODE } from './cli-io.js';
import { cliOptionParsers } from './option-parsers.js';
import { registerReplayCommand } from './replay-command.js';
import { registerScenarioCommand } from './scenario-command.js';
import { registerSendCommand } from './send-command.js';
import { addSenderCommands } from './sender-commands.js';

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
  registerScenarioCommand(program, context);

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
