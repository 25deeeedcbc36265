import { type Command, InvalidArgumentError } from 'commander';
import { DEFAULT_SECRET_HEADER } from '../delivery-contract.js';
import { signingKeyProblem } from '../signing-key.js';
import { DEFAULT_MAX_EVENT_BYTES, ListenInputError, type ListenIo, listen } from './listen.js';

interface ListenFlags {
  url: string;
  token?: string;
  forwardTo: string;
  secret?: string;
  header: string;
  sign?: boolean;
  signingKey?: string;
  since?: string;
  exitAfter?: number;
  readyFile?: string;
  json?: boolean;
  timeScale: number;
  maxEventBytes: number;
}

function httpUrl(value: string): string {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new InvalidArgumentError('expected an http(s) URL');
  }
  return value;
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed <= 0)
    throw new InvalidArgumentError('expected a positive integer');
  return parsed;
}

function timeScale(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0 || parsed > 1000) {
    throw new InvalidArgumentError('expected a number above 0 (1 = real minutes between retries)');
  }
  return parsed;
}

function since(value: string): string {
  if (value.length > 200 || !/^[\w:.+-]+$/.test(value)) {
    throw new InvalidArgumentError('expected an ISO-8601 time, an event id or a stream position');
  }
  return value;
}

export function registerListenCommand(program: Command, io: ListenIo = process): void {
  program
    .command('listen')
    .description(
      "Forward a deployed receiver's events to a local one: reads GET /events/stream and re-posts each body " +
        'byte for byte to --forward-to with the local credentials, through the delivery contract (5 s timeout, ' +
        'retries after 1, 2, 4 minutes times --time-scale), one line per event. Reconnects by itself and resumes ' +
        'after the last event. Exits 1 when an event could not be forwarded, 2 on bad input.',
    )
    .requiredOption('--url <url>', 'the deployed receiver base URL, e.g. https://hooks.example.com', httpUrl)
    .option('--token <token>', 'its ADMIN_TOKEN; prefer the ADMIN_TOKEN variable, which stays out of `ps`')
    .requiredOption(
      '--forward-to <url>',
      'the local endpoint, e.g. http://127.0.0.1:3000/webhooks/omniai',
      httpUrl,
    )
    .option('--secret <secret>', 'the local secret header value; prefer the WEBHOOK_SECRET variable')
    .option('--header <name>', 'the local secret header', DEFAULT_SECRET_HEADER)
    .option('--sign', 'sign each attempt (Standard Webhooks) with the signing key')
    .option('--signing-key <whsec_key>', 'the whsec_ key for --sign; prefer the WEBHOOK_SIGNING_KEY variable')
    .option(
      '--since <time|id>',
      'start from the past: an ISO-8601 time, or an event id to resume after (default: now)',
      since,
    )
    .option('--exit-after <n>', 'exit once this many events were handled', positiveInteger)
    .option('--ready-file <file>', 'written once subscribed (for CI)')
    .option('--json', 'one JSON line per event')
    .option('--time-scale <x>', 'multiplies retry and reconnect waits (0.01 in tests)', timeScale, 1)
    .option('--max-event-bytes <n>', 'largest stream event read', positiveInteger, DEFAULT_MAX_EVENT_BYTES)
    .action(async (flags: ListenFlags) => {
      // read here, not as option defaults, so --help never prints them
      const token = flags.token ?? process.env.ADMIN_TOKEN;
      const secret = flags.secret ?? process.env.WEBHOOK_SECRET;
      const signingKey = flags.sign ? (flags.signingKey ?? process.env.WEBHOOK_SIGNING_KEY) : undefined;
      if (!token) program.error('error: no admin token: give --token or set ADMIN_TOKEN', { exitCode: 2 });
      if (flags.sign && !signingKey) {
        program.error('error: --sign needs a signing key: give --signing-key or set WEBHOOK_SIGNING_KEY', {
          exitCode: 2,
        });
      }
      const problem = signingKey ? signingKeyProblem(signingKey) : undefined;
      if (problem) program.error(`error: --signing-key / WEBHOOK_SIGNING_KEY: ${problem}`, { exitCode: 2 });
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        process.exitCode = await listen(
          {
            url: flags.url,
            token: token ?? '',
            forwardTo: flags.forwardTo,
            credentials: {
              secretHeader: flags.header.toLowerCase(),
              ...(secret ? { secret } : {}),
              ...(signingKey ? { signingKey } : {}),
            },
            json: !!flags.json,
            timeScale: flags.timeScale,
            maxEventBytes: flags.maxEventBytes,
            signal: stop.signal,
            ...(flags.since !== undefined ? { since: flags.since } : {}),
            ...(flags.exitAfter !== undefined ? { exitAfter: flags.exitAfter } : {}),
            ...(flags.readyFile !== undefined ? { readyFile: flags.readyFile } : {}),
          },
          io,
        );
      } catch (error) {
        if (!(error instanceof ListenInputError)) throw error;
        io.stderr.write(`omni-contract listen: ${error.message}\n`);
        process.exitCode = 2;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
