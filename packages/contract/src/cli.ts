#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError } from 'commander';
import { contractProgram } from './cli-shell.js';
import { DEFAULT_SECRET_HEADER, DELIVERY_TIMEOUT_MS } from './delivery-contract.js';
import { registerDriftCommand } from './drift/drift-command.js';
import { registerListenCommand } from './listen/listen-command.js';
import { SIGNING_KEY_PREFIX, signingKeyProblem } from './signing-key.js';
import { toJUnitXml } from './verify/junit.js';
import { splitPathToken } from './verify/path-token-url.js';
import { formatResult, formatSummary } from './verify/report-line.js';
import { DEFAULT_OVERSIZE_BYTES } from './verify/target.js';
import { addTrafficOptions, type TrafficFlags, trafficSettingsFrom } from './verify/traffic-flags.js';
import { verifyReceiver } from './verify/verify-receiver.js';

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed <= 0) {
    throw new InvalidArgumentError('expected a positive integer');
  }
  return parsed;
}

function httpUrl(value: string): string {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new InvalidArgumentError('expected an http(s) URL, e.g. http://127.0.0.1:3000/webhooks/omniai');
  }
  return value;
}

interface VerifyFlags extends TrafficFlags {
  url: string;
  pathToken?: string | true;
  json?: boolean;
  secret?: string;
  auth: boolean;
  header: string;
  sign?: boolean;
  signingKey?: string;
  strict?: boolean;
  junit?: string;
  timeoutMs: number;
  oversizeBytes: number;
}

const program = contractProgram();

addTrafficOptions(program.command('verify'))
  .description(
    'Send the conformance checks to a receiver: every event type answered 200 within the timeout, ' +
      'bad secrets and bad bodies refused with a 4xx, duplicates answered 200. Exits 1 on any failure.',
  )
  .requiredOption('--url <url>', 'the receiver endpoint', httpUrl)
  .option(
    '--secret <secret>',
    'the secret the receiver accepts; prefer the WEBHOOK_SECRET variable, which stays out of `ps` and CI logs',
  )
  .option(
    '--no-auth',
    'send no secret header: skip the secret checks (with --sign the signature checks still run)',
  )
  .option('--header <name>', 'the secret header', process.env.WEBHOOK_SECRET_HEADER ?? DEFAULT_SECRET_HEADER)
  .option('--sign', 'also send Standard Webhooks signature headers, signed with the signing key')
  .option(
    '--signing-key <whsec_key>',
    'the whsec_ key to sign with (--sign); prefer the WEBHOOK_SIGNING_KEY variable, which stays out of `ps`',
  )
  .option('--strict', 'expect the exact status codes of the omni-webhooks receiver (401, 400, 413, 415)')
  .option('--junit <file>', 'also write the results as JUnit XML to this file')
  .option('--timeout-ms <ms>', 'per-request timeout', positiveInteger, DELIVERY_TIMEOUT_MS)
  .option(
    '--oversize-bytes <bytes>',
    'body size of the oversized-body check',
    positiveInteger,
    DEFAULT_OVERSIZE_BYTES,
  )
  .option(
    '--path-token [token]',
    'the receiver authenticates by POST <url>/<token>: the token (prefer WEBHOOK_PATH_TOKEN), or bare when --url ends with it; the secret checks then send a wrong and a missing token',
  )
  .option('--json', 'print the whole report as JSON instead of one line per check')
  .action(async (flags: VerifyFlags) => {
    const traffic = trafficSettingsFrom(flags);
    if (typeof traffic === 'string') return program.error(`error: ${traffic}`, { exitCode: 2 });
    const endpoint = splitPathToken(flags.url, flags.pathToken, process.env.WEBHOOK_PATH_TOKEN);
    if (typeof endpoint === 'string')
      return program.error(`error: --path-token: ${endpoint}`, { exitCode: 2 });
    // the secret is read from the environment here, not as an option default, so --help never prints it
    const secret = flags.secret ?? process.env.WEBHOOK_SECRET;
    // a ci job whose secret variable is missing must not pass a receiver that accepts anything
    if (flags.auth && !secret && endpoint.pathToken === undefined) {
      program.error(
        'error: no secret: give --secret or set WEBHOOK_SECRET (or --no-auth for a receiver without one)',
        { exitCode: 2 },
      );
    }
    // --no-auth means no secret header: a receiver may take signatures alone (--sign --signing-key)
    const signingKey = flags.sign
      ? signingKeyFor(flags.signingKey, flags.auth ? secret : undefined)
      : undefined;
    // with --json, stdout holds the report alone
    const out = (line: string) => (flags.json ? process.stderr : process.stdout).write(`${line}\n`);
    out(`omni-contract verify ${endpoint.url}${endpoint.pathToken === undefined ? '' : '/<path-token>'}`);
    out(`seed ${traffic.seed} (replay the payloads with --seed ${traffic.seed})`);
    const report = await verifyReceiver(
      {
        url: endpoint.url,
        secretHeader: flags.header,
        sign: !!flags.sign,
        strict: !!flags.strict,
        timeoutMs: flags.timeoutMs,
        oversizeBytes: flags.oversizeBytes,
        ...(flags.auth && secret ? { secret } : {}),
        ...(signingKey ? { signingKey } : {}),
        ...(endpoint.pathToken === undefined ? {} : { pathToken: endpoint.pathToken }),
      },
      {
        traffic,
        deadlineMs: flags.deadlineS * 1000,
        ...(flags.json ? {} : { onResult: (result) => out(formatResult(result)) }),
        onWarning: (warning) => process.stderr.write(`omni-contract: ${warning}\n`),
      },
    );
    if (flags.junit) {
      await writeFile(flags.junit, toJUnitXml(report));
      out(`JUnit XML written to ${flags.junit}`);
    }
    if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else out(`${formatSummary(report)} in ${report.durationMs} ms`);
    process.exitCode = report.failed > 0 ? 1 : 0;
  });

/** the key --sign signs with: --signing-key, WEBHOOK_SIGNING_KEY, or (for one release) a whsec_ secret */
function signingKeyFor(flag: string | undefined, secret: string | undefined): string {
  const key = flag ?? process.env.WEBHOOK_SIGNING_KEY;
  if (key === undefined || key === '') {
    if (secret?.startsWith(SIGNING_KEY_PREFIX)) {
      const problem = signingKeyProblem(secret);
      if (problem) {
        return program.error(
          `error: --sign with the whsec_ secret (--secret / WEBHOOK_SECRET) as the signing key: ${problem}; give --signing-key or set WEBHOOK_SIGNING_KEY`,
          { exitCode: 2 },
        );
      }
      process.stderr.write(
        'warning: signing with the whsec_ secret; give the signing key apart (--signing-key or WEBHOOK_SIGNING_KEY): ' +
          'a key sent in clear as the secret lets anyone holding one request sign others\n',
      );
      return secret;
    }
    return program.error('error: --sign needs a signing key: give --signing-key or set WEBHOOK_SIGNING_KEY', {
      exitCode: 2,
    });
  }
  const problem = signingKeyProblem(key);
  if (problem)
    return program.error(`error: --signing-key / WEBHOOK_SIGNING_KEY: ${problem}`, { exitCode: 2 });
  return key;
}

registerDriftCommand(program);
registerListenCommand(program);

await program.parseAsync();
