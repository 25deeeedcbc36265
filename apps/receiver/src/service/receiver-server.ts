import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBoundedServer } from '@omni-webhooks/contract';
import type { Logger } from 'pino';
import { createEventStreamHub, type EventStreamHub } from '../admin/event-stream.js';
import { createLogger } from '../logger.js';
import { createInboxPruner, type InboxPruner } from '../retention/inbox-pruner.js';
import type { InboxStore } from '../store/inbox-store.js';
import { openInboxStore } from '../store/open-inbox-store.js';
import { createWebhookReceiver, type WebhookReceiver } from '../webhook-receiver.js';
import type { ReceiverConfig } from './config.js';
import { exampleHandlers } from './example-handlers.js';
import { createReceiverApp } from './receiver-app.js';

export interface RunningReceiver {
  url: string;
  server: Server;
  store: InboxStore;
  receiver: WebhookReceiver;
  logger: Logger;
  eventStreams: EventStreamHub;
  pruner: InboxPruner;
  /** stop accepting, finish in-flight requests, let handlers finish (bounded), close the store */
  shutdown(): Promise<void>;
}

export interface StartReceiverOptions {
  logger?: Logger;
  /** register handlers before the worker starts; default: the one-line example handlers */
  configure?: (receiver: WebhookReceiver, logger: Logger) => void;
  pollIntervalMs?: number;
}

export async function startReceiver(
  config: ReceiverConfig,
  options: StartReceiverOptions = {},
): Promise<RunningReceiver> {
  const logger =
    options.logger ?? createLogger({ level: config.logLevel, secretHeader: config.secretHeader });
  const store = await openInboxStore(config.databaseUrl, {
    poolMax: config.databasePoolMax,
    onConnectionError: (error) =>
      logger.warn({ error: error.message }, 'database connection lost; reconnecting on next use'),
  });
  const eventStreams = createEventStreamHub({ store, logger, maxStreams: config.maxEventStreams });
  const receiver = createWebhookReceiver({
    store,
    logger,
    auth: {
      secrets: config.secrets,
      secretHeader: config.secretHeader,
      pathTokens: config.pathTokens,
      unauthenticated: config.authMode === 'none',
      allowedSourceCidrs: config.allowedSourceCidrs,
      signingKeys: config.signingKeys,
      signatureMode: config.signatureMode,
      failureLimit: config.authFailureLimit,
      failureWindowMs: config.authFailureWindowMs,
    },
    ingest: {
      bodyLimitBytes: config.bodyLimitBytes,
      bodyTimeoutMs: config.requestTimeoutMs,
      validationMode: config.validationMode,
      dedupeWindowMs: config.dedupeWindowMs,
      onNewEvent: eventStreams.notify,
    },
    worker: {
      maxRetries: config.handlerMaxRetries,
      retryBaseMs: config.handlerRetryBaseMs,
      leaseMs: config.handlerLeaseMs,
      handlerTimeoutMs: config.handlerTimeoutMs,
      ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
    },
    drift: { detection: config.driftDetection },
  });
  (options.configure ?? exampleHandlers)(receiver, logger);
  if (config.legacySigningKeys > 0) {
    logger.warn(
      { count: config.legacySigningKeys },
      'WEBHOOK_SECRET holds whsec_ value(s), also used as signing keys: the secret travels in clear with each delivery, so whoever holds one request can sign others. move the keys to WEBHOOK_SIGNING_KEYS and give WEBHOOK_SECRET a value of its own; this fallback goes in the next release',
    );
  }
  const app = createReceiverApp({
    receiver,
    store,
    logger,
    adminToken: config.adminToken,
    validationMode: config.validationMode,
    trustProxy: config.trustProxy,
    eventStreams,
  });
  const server = createBoundedServer(
    {
      headersTimeoutMs: config.headersTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      maxConnections: config.maxConnections,
    },
    app.callback(),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  receiver.start();
  const pruner = createInboxPruner({
    store,
    retentionDays: config.retentionDays,
    failedRetentionDays: config.retentionFailedDays,
    dedupeWindowMs: config.dedupeWindowMs,
    logger,
    registry: receiver.metrics.registry,
  });
  pruner.start();
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;

  let closing: Promise<void> | undefined;
  const shutdown = () => {
    closing ??= (async () => {
      // one deadline for requests and handlers together: shutdown never takes twice the timeout
      const deadline = Date.now() + config.shutdownTimeoutMs;
      const cutConnections = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutMs);
      // streams never end by themselves: ended first, so server.close() does not wait on them
      eventStreams.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      clearTimeout(cutConnections);
      await Promise.all([receiver.stop(Math.max(0, deadline - Date.now())), pruner.stop()]);
      await store.close();
    })();
    return closing;
  };
  return { url, server, store, receiver, logger, eventStreams, pruner, shutdown };
}
