// `pnpm start`: the receiver and the mock sender wired together on SQLite with a fresh development
// secret; the sender delivers one event of every type and the terminal shows what happens to each
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WEBHOOK_EVENT_TYPES } from '@omni-webhooks/schema';
import { prettyFactory } from 'pino-pretty';
import { ServiceProcess } from './support/service-process.js';
import { allDeliveries, postEvents, storedEvents, WEBHOOK_PATH, waitFor } from './support/stack.js';

const HELP = `usage: pnpm start [--once] [--data-dir DIR]

Starts the receiver (RECEIVER_PORT, default 3000) and the mock sender (SENDER_PORT, default 4000) on
SQLite in ./data/dev (reset on each start), with a generated secret and a generated sender API token
(SENDER_API_TOKEN: the web console asks for it once). The sender delivers one event of
every type to the receiver; the terminal shows every attempt and every stored event. Ctrl-C stops both.

  --once           exit once the first events are delivered and stored (exit 1 if not within 30 s)
  --data-dir DIR   where the two SQLite files go (default ./data/dev; emptied on start)
  --path-token     no secret: the receiver takes a token in the URL (WEBHOOK_PATH_TOKEN), as when
                   OmniAI sends none, and the sender's endpoint URL carries it
  --help           this text

Environment: RECEIVER_PORT, SENDER_PORT, RETRY_TIME_SCALE (default 1: real 1/2/4-minute retries).
`;

function parseFlags() {
  // `pnpm start -- --help` passes the `--` through: pnpm keeps a bare --help for itself
  const args = process.argv.slice(2).filter((arg, index) => !(index === 0 && arg === '--'));
  try {
    return parseArgs({
      args,
      options: {
        once: { type: 'boolean', default: false },
        'data-dir': { type: 'string' },
        'path-token': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
    process.exit(2);
  }
}

const flags = parseFlags();
if (flags.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const dataDir = resolve(flags['data-dir'] ?? `${repoRoot}data/dev`);
const secret = `dev_${randomBytes(12).toString('hex')}`;
const adminToken = randomBytes(16).toString('hex');
// --path-token: the endpoint URL is the credential, and no secret is sent
const pathToken = flags['path-token'] ? randomBytes(32).toString('base64url') : undefined;
const endpointPath = pathToken ? `${WEBHOOK_PATH}/${pathToken}` : WEBHOOK_PATH;
const credentialEnv: Record<string, string> = pathToken
  ? { WEBHOOK_SECRET: '', WEBHOOK_PATH_TOKEN: pathToken }
  : {};
// the sender's API and console are guarded as in staging: the console signs in with this token
const senderToken = `dev_${randomBytes(16).toString('hex')}`;
const pretty = prettyFactory({
  colorize: process.stdout.isTTY,
  translateTime: 'HH:MM:ss',
  ignore: 'pid,hostname,name',
  singleLine: true,
  // the sender logs `error: null` on success: not an error object to expand
  errorLikeObjectKeys: ['err'],
});

function echo(tag: string) {
  return (line: string) => {
    let text = line;
    if (line.startsWith('{')) {
      try {
        text = pretty(JSON.parse(line)).trimEnd();
      } catch {
        // not a log record: shown as it is
      }
    }
    process.stdout.write(`${tag} ${text}\n`);
  };
}

function port(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) {
    process.stderr.write(`${name} must be a port number (1-65535), got ${process.env[name]}\n`);
    process.exit(2);
  }
  return value;
}

const receiverPort = port('RECEIVER_PORT', 3000);
const senderPort = port('SENDER_PORT', 4000);

await rm(dataDir, { recursive: true, force: true });
await mkdir(dataDir, { recursive: true });

const started: ServiceProcess[] = [];
let stopping: Promise<void> | undefined;
function stopAll(): Promise<void> {
  stopping ??= Promise.all(started.map((service) => service.stop())).then(() => undefined);
  return stopping;
}

// installed before anything starts, so a Ctrl-C at any point stops what is running, in order
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stdout.write('\nstopping...\n');
    void stopAll().then(() => process.exit(0));
  });
}
// the services run in their own process groups: never leave them behind, however this process ends
process.on('exit', () => {
  for (const service of started) {
    service.killNow();
  }
});

async function startService(name: 'receiver' | 'sender', port: number, env: Record<string, string>) {
  const service = await ServiceProcess.start({
    name,
    port,
    env: { NODE_ENV: 'development', WEBHOOK_SECRET: secret, ...env },
    echo: echo(name === 'receiver' ? '[receiver]' : '[sender]  '),
    detached: true,
  });
  started.push(service);
  return service;
}

async function deliverOneOfEach(receiver: ServiceProcess, sender: ServiceProcess): Promise<boolean> {
  for (const event of WEBHOOK_EVENT_TYPES) {
    await postEvents(sender, { event }, senderToken);
  }
  const settled = await waitFor(
    'every event delivered and stored',
    async () => {
      const [deliveries, stored] = await Promise.all([
        allDeliveries(sender, senderToken),
        storedEvents(receiver, adminToken),
      ]);
      const done = deliveries.every((delivery) => delivery.state === 'succeeded');
      return done && stored.length >= WEBHOOK_EVENT_TYPES.length ? { deliveries, stored } : undefined;
    },
    30_000,
  ).catch(() => undefined);
  process.stdout.write(
    settled
      ? `\n${settled.deliveries.length} events of ${WEBHOOK_EVENT_TYPES.length} types delivered and ` +
          `${settled.stored.length} stored.\n`
      : '\nnot every event was delivered and stored within 30 s: see the attempts above\n',
  );
  return settled !== undefined;
}

function printNextSteps(receiver: ServiceProcess, sender: ServiceProcess): void {
  const webhookUrl = `${receiver.url}${endpointPath}`;
  process.stdout.write(`
Try next:
  send another event   pnpm omni-mock send lead.created --url ${webhookUrl}${pathToken ? '' : ` --secret ${secret}`}
                       curl -s -X POST ${sender.url}/events -H 'authorization: Bearer ${senderToken}' -H 'content-type: application/json' -d '{"event":"document.extracted"}'
  web console          open ${sender.url}/ and sign in with the sender API token ${senderToken}
  list deliveries      curl -s ${sender.url}/deliveries -H 'authorization: Bearer ${senderToken}'
  list stored events   curl -s ${receiver.url}/events -H 'authorization: Bearer ${adminToken}'
  metrics              curl -s ${receiver.url}/metrics
  contract suite       ${pathToken ? '' : `WEBHOOK_SECRET=${secret} `}pnpm omni-contract verify --url ${webhookUrl}${pathToken ? ' --no-auth' : ''}

Ctrl-C stops both.
`);
}

try {
  const receiver = await startService('receiver', receiverPort, {
    ...credentialEnv,
    ADMIN_TOKEN: adminToken,
    DATABASE_URL: `file:${dataDir}/receiver.sqlite`,
  });
  const sender = await startService('sender', senderPort, {
    ...(pathToken ? { WEBHOOK_SECRET: '' } : {}),
    TARGET_URL: `http://127.0.0.1:${receiverPort}${endpointPath}`,
    DATABASE_URL: `file:${dataDir}/sender.sqlite`,
    RETRY_TIME_SCALE: process.env.RETRY_TIME_SCALE ?? '1',
    SENDER_API_TOKEN: senderToken,
  });
  process.stdout.write(
    `\nreceiver ${receiver.url}  sender ${sender.url}  ${pathToken ? 'path token in the URL' : `secret ${secret}`}\n\n`,
  );
  const delivered = await deliverOneOfEach(receiver, sender);
  printNextSteps(receiver, sender);
  if (flags.once) {
    await stopAll();
    process.exit(delivered ? 0 : 1);
  }
} catch (error) {
  process.stderr.write(
    `${error instanceof Error ? error.message : String(error)}\n` +
      'If a port is taken, choose others: RECEIVER_PORT=3100 SENDER_PORT=4100 pnpm start\n',
  );
  await stopAll();
  process.exit(1);
}
