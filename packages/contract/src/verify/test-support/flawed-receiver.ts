import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isWebhookEventType, safeParseWebhookEvent } from '@omni-webhooks/schema';
import { DEFAULT_SECRET_HEADER } from '../../delivery-contract.js';
import { verifySecret } from '../../secret.js';
import { verifyWebhookSignature } from '../../signature.js';
import { createTrafficBehaviour, type TrafficFlaws } from './traffic-flaws.js';

// a small receiver that follows the contract, with one flaw switched on per test

export interface Flaws extends TrafficFlaws {
  acceptsAnySecret?: boolean;
  answersStatus?: number;
  answersAfterMs?: number;
  acceptsSchemaInvalid?: boolean;
  /** validates in strict mode and refuses unknown event names: drops what a newer omniai sends */
  refusesDrift?: boolean;
  /** takes a delivery on any path: a path token is not checked */
  acceptsAnyPath?: boolean;
  /** with signatures alone (no secret): lets an unsigned delivery in */
  acceptsUnsigned?: boolean;
}

export interface TestReceiver {
  url: string;
  /** bodies it answered with a 2xx */
  accepted: string[];
  /** the headers of every request, in order */
  requests: IncomingMessage['headers'][];
  /** the path of every request, in order */
  paths: string[];
  close(): Promise<void>;
}

const LIMIT_BYTES = 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<string | 'too-large'> {
  if (Number(request.headers['content-length'] ?? 0) > LIMIT_BYTES) {
    return 'too-large';
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > LIMIT_BYTES) {
      return 'too-large';
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

interface Credentials {
  /** undefined: no secret header, signatures alone authenticate */
  secret: string | undefined;
  /** checks signatures with `signingKey`, else the secret */
  sign: boolean;
  signingKey: string | undefined;
}

function authStatus(request: IncomingMessage, body: string, credentials: Credentials, flaws: Flaws): number {
  const { secret, sign } = credentials;
  const received = request.headers[DEFAULT_SECRET_HEADER];
  if (
    secret !== undefined &&
    !flaws.acceptsAnySecret &&
    !verifySecret(typeof received === 'string' ? received : undefined, [secret])
  ) {
    return 401;
  }
  const key = credentials.signingKey ?? secret;
  if (!sign || key === undefined) return 200;
  if (flaws.acceptsUnsigned && request.headers['webhook-signature'] === undefined) return 200;
  return verifyWebhookSignature({ headers: request.headers, body, secrets: [key] }).ok ? 200 : 401;
}

function judge(request: IncomingMessage, body: string, credentials: Credentials, flaws: Flaws): number {
  if (!request.headers['content-type']?.startsWith('application/json')) {
    return 415;
  }
  const auth = authStatus(request, body, credentials, flaws);
  if (auth !== 200) return auth;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 400;
  }
  const event = (parsed as { event?: unknown } | null)?.event;
  if (!isWebhookEventType(event)) {
    return flaws.refusesDrift ? 400 : (flaws.answersStatus ?? 200);
  }
  const mode = flaws.refusesDrift ? 'strict' : 'lenient';
  if (!flaws.acceptsSchemaInvalid && !safeParseWebhookEvent(parsed, { mode }).success) {
    return 400;
  }
  return flaws.answersStatus ?? 200;
}

const WEBHOOK_PATH = '/webhooks/omniai';

export async function startTestReceiver(options: {
  secret?: string;
  sign?: boolean;
  signingKey?: string;
  /** authenticates by `POST /webhooks/omniai/<token>` (a wrong or missing token: 404) */
  pathToken?: string;
  flaws?: Flaws;
}): Promise<TestReceiver> {
  const flaws = options.flaws ?? {};
  const behaviour = createTrafficBehaviour(flaws);
  const path = options.pathToken ? `${WEBHOOK_PATH}/${encodeURIComponent(options.pathToken)}` : WEBHOOK_PATH;
  const credentials = { secret: options.secret, sign: !!options.sign, signingKey: options.signingKey };
  const accepted: string[] = [];
  const requests: IncomingMessage['headers'][] = [];
  const paths: string[] = [];
  const server = createServer(async (request, response) => {
    requests.push(request.headers);
    paths.push(request.url ?? '');
    const body = await readBody(request);
    let status =
      request.url !== path && !flaws.acceptsAnyPath
        ? 404
        : body === 'too-large'
          ? 413
          : judge(request, body, credentials, flaws);
    if (status === 200 && body !== 'too-large' && isWebhookEventType(JSON.parse(body).event)) {
      status = await behaviour(body, request.headers);
    }
    if (status < 300 && body !== 'too-large') {
      accepted.push(body);
    }
    if (flaws.answersAfterMs) {
      await new Promise((resolve) => setTimeout(resolve, flaws.answersAfterMs));
    }
    response.writeHead(status, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`,
    accepted,
    requests,
    paths,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
