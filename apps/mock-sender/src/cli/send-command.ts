import { readFile } from 'node:fs/promises';
import {
  DEFAULT_SECRET_HEADER,
  DELIVERY_TIMEOUT_MS,
  MAX_ATTEMPTS,
  type SuccessRule,
} from '@omni-webhooks/contract';
import { headerNameSchema, httpUrlSchema } from '../config.js';
import { type AttemptReport, DeliveryEngine } from '../delivery/delivery-engine.js';
import { resolveSigningKey } from '../endpoints/signing-key.js';
import { buildEvents } from '../events/event-factory.js';
import { HttpError } from '../http/http-error.js';
import { openDatabase } from '../outbox/database.js';
import { Outbox } from '../outbox/outbox.js';

export interface SendOptions {
  eventType: string;
  url: string;
  secret?: string | undefined;
  /** the `whsec_` key signatures are made with (sign implies it, or a deprecated whsec_ secret) */
  signingKey?: string | undefined;
  header?: string | undefined;
  payloadFile?: string | undefined;
  count?: number | undefined;
  timeScale?: number | undefined;
  sign?: boolean | undefined;
  timeoutMs?: number | undefined;
  success?: SuccessRule | undefined;
  allowInvalid?: boolean | undefined;
  concurrency?: number | undefined;
}

export class SendInputError extends Error {
  override readonly name = 'SendInputError';
}

function formatAttempt(report: AttemptReport, total: number, label: string): string {
  const outcome =
    report.outcome.status === null ? `error (${report.outcome.error})` : `HTTP ${report.outcome.status}`;
  const next = report.succeeded
    ? 'delivered'
    : report.nextWaitMs === undefined
      ? 'failed: no attempts left'
      : `next attempt in ${report.nextWaitMs} ms`;
  const prefix = total > 1 ? `${label} ` : '';
  return `${prefix}attempt ${report.n}/${MAX_ATTEMPTS}  ${outcome}  ${report.outcome.durationMs} ms  ${next}\n`;
}

async function readPayload(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SendInputError(`cannot read --payload ${file}: ${(error as Error).message}`);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    throw new SendInputError(`--payload ${file} is not valid JSON`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new SendInputError(`--payload ${file} must hold a JSON object`);
  }
  return payload as Record<string, unknown>;
}

/**
 * Delivers with the full contract from an in-memory outbox, writing each attempt to `out` as it
 * happens. Resolves true when every delivery succeeded.
 */
export async function runSend(options: SendOptions, out: NodeJS.WritableStream): Promise<boolean> {
  // refused before anything is sent: a bad header name would fail every attempt, and only then
  if (!httpUrlSchema.safeParse(options.url).success) {
    throw new SendInputError(`--url ${options.url} must be an absolute http(s) URL`);
  }
  if (options.header !== undefined && !headerNameSchema.safeParse(options.header).success) {
    throw new SendInputError(`--header ${JSON.stringify(options.header)} must be an HTTP header name`);
  }
  const payload = options.payloadFile === undefined ? undefined : await readPayload(options.payloadFile);
  let events: ReturnType<typeof buildEvents>;
  try {
    events = buildEvents({
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
      throw new SendInputError(`${error.message}${issues.join('')}`);
    }
    throw error;
  }

  const signing = options.sign === true || options.signingKey !== undefined;
  const resolved = resolveSigningKey(options.signingKey, signing ? options.secret : undefined);
  if (signing && resolved.key === undefined) {
    throw new SendInputError(
      '--sign needs --signing-key whsec_... (or WEBHOOK_SIGNING_KEY): the secret is sent in clear, so it cannot sign',
    );
  }
  if (resolved.fromSecret) {
    out.write(
      'warning: signing with the whsec_ --secret, which is also sent in clear; use --signing-key (deprecated)\n',
    );
  }
  const signingKey = resolved.key;
  const db = openDatabase('file::memory:');
  const outbox = new Outbox(db);
  const engine = new DeliveryEngine({
    outbox,
    timeoutMs: options.timeoutMs ?? DELIVERY_TIMEOUT_MS,
    retryTimeScale: options.timeScale ?? 1,
    successRule: options.success ?? '200',
    concurrency: options.concurrency ?? 64,
    endpointConcurrency: options.concurrency ?? 64,
  });
  const deliveries = outbox.enqueue(
    events,
    () => [
      {
        endpointId: 'cli',
        url: options.url,
        secret: options.secret,
        secretHeader: options.header ?? DEFAULT_SECRET_HEADER,
        signingKey,
        sign: signingKey !== undefined,
      },
    ],
    Date.now(),
  );
  const labels = new Map(
    deliveries.map((delivery, index) => [delivery.id, `[${index + 1}/${deliveries.length}]`]),
  );
  let delivered = 0;
  engine.on('attempt', (report) =>
    out.write(formatAttempt(report, deliveries.length, labels.get(report.deliveryId) ?? '')),
  );
  engine.on('settled', (report) => {
    if (report.state === 'succeeded') {
      delivered++;
    }
  });
  out.write(`sending ${deliveries.length} × ${options.eventType} to ${options.url}\n`);
  engine.scheduleAll(deliveries.map((delivery) => delivery.id));
  await engine.idle();
  db.close();
  const failed = deliveries.length - delivered;
  out.write(
    failed === 0
      ? `delivered ${delivered}/${deliveries.length}\n`
      : `failed: ${failed} of ${deliveries.length} not delivered after ${MAX_ATTEMPTS} attempts\n`,
  );
  return failed === 0;
}
