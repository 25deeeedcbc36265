import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBoundedServer, isLoopbackHost } from '@omni-webhooks/contract';
import { sqliteFilenameFromUrl } from '@omni-webhooks/sqlite/database-url';
import type Koa from 'koa';
import type { Logger } from 'pino';
import {
  type AccessControl,
  type AccessControlOptions,
  createAccessControl,
} from './access/access-control.js';
import type { SenderConfig } from './config.js';
import { createWebConsole, type WebConsole } from './console/web-console.js';
import { DeliveryEngine } from './delivery/delivery-engine.js';
import { DocumentLinks, linkScenarioBody } from './documents/document-links.js';
import { EndpointRegistry } from './endpoints/endpoint-registry.js';
import { createDocumentRoutes } from './http/document-routes.js';
import { createHttpApi } from './http/http-api.js';
import { openDatabase, type SqliteDatabase } from './outbox/database.js';
import { Outbox } from './outbox/outbox.js';
import { OutboxOwner } from './outbox/outbox-owner.js';
import type { ScenarioRunLimits } from './scenarios/scenario-run-request.js';
import { ScenarioRuns } from './scenarios/scenario-runs.js';
import { type ResolveHost, TargetGuard } from './targets/target-guard.js';
import { TargetPolicy } from './targets/target-policy.js';

export interface MockSenderOptions {
  logger?: Logger | undefined;
  clock?: () => number;
  /** the built web console; `dist/console/assets` by default */
  consoleAssetsDir?: string | undefined;
  /** how long an owner of the outbox file may go without a heartbeat before it is taken over */
  ownerStaleAfterMs?: number | undefined;
  /** the wrong-token delay, rate limit and session bounds (tests shorten them) */
  access?: Pick<AccessControlOptions, 'failureDelayMs' | 'failedSignIns' | 'sessions'> | undefined;
  /** live-feed timings (tests shorten them) */
  feed?: { stallMs?: number; maxAgeMs?: number } | undefined;
  /** resolves endpoint host names, at add time and at each attempt; the os resolver by default */
  resolveHost?: ResolveHost | undefined;
  /** the bounds of scenario runs (tests lower them) */
  scenarioLimits?: Partial<ScenarioRunLimits> | undefined;
}

export interface MockSender {
  config: SenderConfig;
  app: Koa;
  engine: DeliveryEngine;
  outbox: Outbox;
  endpoints: EndpointRegistry;
  db: SqliteDatabase;
  webConsole: WebConsole;
  access: AccessControl;
  /** the sender's own document links, with SENDER_PUBLIC_URL: `prepareEvent` for whatever else generates events */
  documents: DocumentLinks | undefined;
  scenarioRuns: ScenarioRuns;
  /** listens on `port`/`host` (config by default) and answers the base url */
  listen(port?: number, host?: string): Promise<string>;
  /** stops listening, lets requests in flight finish, closes the database */
  close(): Promise<void>;
}

/**
 * Opens the outbox and takes ownership of it (throws OutboxInUseError while another live process owns
 * the file), registers TARGET_URL as the default endpoint and resumes every unsettled delivery at its
 * stored time. Nothing listens until `listen()`.
 */
export function createMockSender(config: SenderConfig, options: MockSenderOptions = {}): MockSender {
  const { logger } = options;
  const clock = options.clock ?? Date.now;
  const path = sqliteFilenameFromUrl(config.databaseUrl);
  const db = openDatabase(config.databaseUrl);
  let engine: DeliveryEngine | undefined;
  // an in-memory outbox belongs to this process alone
  const owner =
    path === ':memory:'
      ? undefined
      : new OutboxOwner(db, {
          path,
          clock,
          staleAfterMs: options.ownerStaleAfterMs,
          onLost: (current) => {
            logger?.error(
              { database: path, owner: current ?? null },
              'another process took the outbox over (this one missed its heartbeats): no more attempts start here',
            );
            void engine?.halt();
          },
        });
  try {
    const previous = owner?.acquire();
    if (previous) {
      logger?.warn({ database: path, previous }, 'took over the outbox from an owner that is gone');
    }
  } catch (error) {
    db.close();
    throw error;
  }
  const outbox = new Outbox(db);
  const endpoints = new EndpointRegistry(db, { secretHeader: config.secretHeader, sign: config.signing });
  endpoints.syncDefault(config.targetUrl, config.webhookSecret, clock(), config.signingKey);
  if (config.signingKeyFromSecret && config.targetUrl !== undefined) {
    logger?.warn(
      'WEBHOOK_SIGNING=true signs with the whsec_ WEBHOOK_SECRET, which is also sent in clear: ' +
        'set WEBHOOK_SIGNING_KEY (signing with the secret is deprecated and goes in the next release)',
    );
  }
  const targets = new TargetGuard({
    policy: new TargetPolicy({ ...config.targets, hostIsLoopback: isLoopbackHost(config.host) }),
    resolveHost: options.resolveHost,
    extraCa: config.targets.extraCa,
  });
  engine = new DeliveryEngine({
    outbox,
    timeoutMs: config.deliveryTimeoutMs,
    retryTimeScale: config.retryTimeScale,
    successRule: config.successRule,
    concurrency: config.concurrency,
    endpointConcurrency: config.endpointConcurrency,
    runsPerSlot: config.runsPerSlot,
    targets,
    logger,
    clock,
  });
  const resumed = engine.resume();
  if (resumed > 0) {
    logger?.info({ resumed }, 'resumed unsettled deliveries from the outbox');
  }
  const { publicUrl } = config.documents;
  const documents =
    publicUrl === undefined
      ? undefined
      : new DocumentLinks({
          db,
          publicUrl,
          signingKeys: config.documents.signingKeys,
          ttlSeconds: config.documents.linkTtlSeconds,
          clock,
        });
  // after the engine's resume: a run's deliveries handed over before the restart are the engine's again
  const scenarioRuns = new ScenarioRuns({
    db,
    outbox,
    engine,
    endpoints,
    clock,
    logger,
    limits: options.scenarioLimits,
    prepareBody: documents && linkScenarioBody(documents),
  });
  const resumedRuns = scenarioRuns.resume();
  if (resumedRuns > 0) {
    logger?.info({ resumedRuns }, 'resumed scenario runs');
  }
  if (config.apiTokens.length === 0 && !isLoopbackHost(config.host)) {
    logger?.warn(
      { host: config.host },
      'ALLOW_UNAUTHENTICATED=true: anyone who reaches this sender can send, redeliver and change endpoints',
    );
  }
  const access = createAccessControl({
    ...options.access,
    tokens: config.apiTokens,
    host: config.host,
    // receivers fetch document links by the public name
    allowedHosts: [...config.allowedHosts, ...(publicUrl ? [new URL(publicUrl).hostname] : [])],
    logger,
    clock,
  });
  const webConsole = createWebConsole({
    engine,
    logger,
    assetsDir: options.consoleAssetsDir,
    maxStreams: config.maxLiveStreams,
    prepareEvent: documents?.prepareEvent,
    ...options.feed,
  });
  const app = createHttpApi({
    outbox,
    endpoints,
    engine,
    logger,
    clock,
    console: webConsole.middleware,
    documents: documents && createDocumentRoutes({ links: documents, logger, clock }),
    prepareEvent: documents?.prepareEvent,
    access: access.middleware,
    trustProxy: config.trustProxy,
    limits: config.limits,
    targets,
    scenarioRuns,
  });
  let server: Server | undefined;

  return {
    config,
    app,
    engine,
    outbox,
    endpoints,
    db,
    webConsole,
    access,
    documents,
    scenarioRuns,
    listen(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        // bounded as the receiver is: trickled headers, slow bodies and surplus connections are cut
        const listening = createBoundedServer(config.server, app.callback());
        listening.once('error', reject);
        listening.listen(port, host, () => {
          server = listening;
          const address = listening.address() as AddressInfo;
          resolve(`http://${host.includes(':') ? `[${host}]` : host}:${address.port}`);
        });
      });
    },
    async close() {
      const closing = server;
      server = undefined;
      const closed = new Promise<void>((resolve) => (closing ? closing.close(() => resolve()) : resolve()));
      // live streams never end by themselves: the server would wait for them forever
      webConsole.close();
      await closed;
      // runs first: they stop waiting on the engine, and stay running in their rows for the next start
      await scenarioRuns.close();
      await engine.stop();
      targets.close();
      owner?.release();
      db.close();
    },
  };
}
