import { readFileSync } from 'node:fs';
import {
  DEFAULT_SECRET_HEADER,
  DEFAULT_SUCCESS_RULE,
  DELIVERY_TIMEOUT_MS,
  isLoopbackHost,
  SUCCESS_RULES,
  type SuccessRule,
  serverBoundsProblem,
} from '@omni-webhooks/contract';
import { z } from 'zod';
import { ACCESS_CONFIG_VARIABLES, unauthenticatedExposure } from './access/access-config.js';
import {
  booleanFlag,
  headerNameSchema,
  hostSchema,
  httpUrlSchema,
  retryTimeScaleSchema,
} from './base/field-schemas.js';
import { DOCUMENT_CONFIG_VARIABLES, type DocumentConfig } from './documents/document-config.js';
import { resolveSigningKey, signingKeySchema } from './endpoints/signing-key.js';
import {
  DEFAULT_REQUEST_LIMITS,
  EVENTS_PER_REQUEST_CEILING,
  type RequestLimits,
} from './http/request-limits.js';
import { SERVER_BOUND_CONFIG_VARIABLES, type ServerBounds } from './http/server-bounds-config.js';
import { parseTargetEntry, type TargetEntry, TargetPolicy } from './targets/target-policy.js';

// one entry per variable: the zod schema, its default and what it does (the README table follows it)
export const CONFIG_VARIABLES = {
  PORT: { schema: z.coerce.number().int().min(0).max(65_535), default: '4000', doc: 'HTTP port' },
  HOST: { schema: hostSchema, default: '127.0.0.1', doc: 'HTTP host' },
  WEBHOOK_SECRET: {
    schema: z.string().min(1).optional(),
    default: undefined,
    doc: 'secret sent with each delivery to the default endpoint',
  },
  WEBHOOK_SECRET_HEADER: {
    schema: headerNameSchema,
    default: DEFAULT_SECRET_HEADER,
    doc: 'header that carries the secret',
  },
  DATABASE_URL: {
    schema: z.string().regex(/^file:.+/, 'must be file:<path> (or file::memory:)'),
    default: 'file:./data/sender.sqlite',
    doc: 'SQLite outbox (`file::memory:` for a throwaway one)',
  },
  TARGET_URL: {
    schema: httpUrlSchema.optional(),
    default: undefined,
    doc: 'default endpoint (events go to every endpoint)',
  },
  RETRY_TIME_SCALE: {
    schema: retryTimeScaleSchema,
    default: '1',
    doc: 'multiplies retry waits (1 = real minutes; 0.01 for tests)',
  },
  DELIVERY_TIMEOUT_MS: {
    schema: z.coerce.number().int().min(1).max(600_000),
    default: String(DELIVERY_TIMEOUT_MS),
    doc: 'per-attempt timeout',
  },
  SUCCESS_STATUS: {
    schema: z.enum(SUCCESS_RULES as [SuccessRule, ...SuccessRule[]]),
    default: DEFAULT_SUCCESS_RULE,
    doc: '`200` (as documented) or `2xx`',
  },
  DELIVERY_CONCURRENCY: {
    schema: z.coerce.number().int().min(1).max(10_000),
    default: '64',
    doc: 'attempts in flight at once, all endpoints together',
  },
  ENDPOINT_CONCURRENCY: {
    schema: z.coerce.number().int().min(1).max(10_000),
    default: '16',
    doc: 'attempts in flight at once to one endpoint (a hanging endpoint cannot take every slot)',
  },
  DELIVERY_RUNS_PER_SLOT: {
    schema: z.coerce.number().int().min(1).max(1000),
    default: '4',
    doc:
      'deliveries held in memory per request slot: at most this × `DELIVERY_CONCURRENCY` in all, × `ENDPOINT_CONCURRENCY` ' +
      'per endpoint; due ones beyond wait in the outbox',
  },
  WEBHOOK_SIGNING: {
    schema: booleanFlag,
    default: 'false',
    doc: 'add Standard Webhooks signature headers, signed with the endpoint signing key',
  },
  WEBHOOK_SIGNING_KEY: {
    schema: signingKeySchema.optional(),
    default: undefined,
    doc:
      'Standard Webhooks signing key (`whsec_` + base64, 16+ bytes) of the default endpoint; never sent. ' +
      'Setting it signs deliveries',
  },
  MAX_EVENTS_PER_REQUEST: {
    schema: z.coerce.number().int().min(1).max(EVENTS_PER_REQUEST_CEILING),
    default: String(DEFAULT_REQUEST_LIMITS.eventsPerRequest),
    doc: `most events one \`POST /events\` may ask for (\`count\`, at most ${EVENTS_PER_REQUEST_CEILING}); more is a 400 \`too_many_events\``,
  },
  MAX_REQUEST_BYTES: {
    schema: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024),
    default: String(DEFAULT_REQUEST_LIMITS.requestBytes),
    doc: 'largest request body the API reads; larger is a 413 `payload_too_large`',
  },
  MAX_BATCH_BYTES: {
    schema: z.coerce
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024 * 1024),
    default: String(DEFAULT_REQUEST_LIMITS.eventBytesPerRequest),
    doc: 'most bytes of events one `POST /events` may create (`count` × payload size); more is a 413 `too_large`',
  },
  MAX_ENDPOINTS: {
    schema: z.coerce.number().int().min(1).max(10_000),
    default: String(DEFAULT_REQUEST_LIMITS.endpoints),
    doc: 'most endpoints registered at once; one more is a 409 `too_many_endpoints`',
  },
  ALLOWED_TARGETS: {
    schema: z
      .string()
      .transform((value, ctx) => {
        try {
          return value
            .split(',')
            .filter((entry) => entry.trim() !== '')
            .map(parseTargetEntry);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      })
      .optional(),
    default: undefined,
    doc:
      'host names, `host:port`, addresses and CIDRs endpoints may point at; unset: all but link-local and ' +
      'metadata, loopback and private only on a loopback `HOST`',
  },
  REQUIRE_HTTPS_TARGETS: {
    schema: booleanFlag,
    default: 'false',
    doc: '`true` refuses `http:` endpoints other than loopback',
  },
  TARGET_CA_FILE: {
    schema: z
      .string()
      .transform((path, ctx) => {
        try {
          const pem = readFileSync(path, 'utf8');
          if (pem.includes('-----BEGIN CERTIFICATE-----')) return pem;
          ctx.addIssue({ code: 'custom', message: `${path} holds no PEM certificate` });
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: `cannot read ${path}: ${(error as Error).message}` });
        }
        return z.NEVER;
      })
      .optional(),
    default: undefined,
    doc: "PEM file of CA certificates trusted for `https:` endpoints besides the system's (a staging receiver's private CA)",
  },
  LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
    doc: 'pino log level',
  },
  ...ACCESS_CONFIG_VARIABLES,
  ...SERVER_BOUND_CONFIG_VARIABLES,
  ...DOCUMENT_CONFIG_VARIABLES,
} as const;

type ConfigVariable = keyof typeof CONFIG_VARIABLES;

export interface SenderConfig {
  port: number;
  host: string;
  webhookSecret: string | undefined;
  secretHeader: string;
  databaseUrl: string;
  targetUrl: string | undefined;
  retryTimeScale: number;
  deliveryTimeoutMs: number;
  successRule: SuccessRule;
  concurrency: number;
  endpointConcurrency: number;
  runsPerSlot: number;
  signing: boolean;
  /** the default endpoint's signing key */
  signingKey: string | undefined;
  /** deprecated: WEBHOOK_SIGNING=true signs with a whsec_ WEBHOOK_SECRET (also sent in clear) */
  signingKeyFromSecret: boolean;
  /** what one request may ask of the sender */
  limits: RequestLimits;
  /** where deliveries may go */
  targets: {
    allowed: TargetEntry[] | undefined;
    requireHttps: boolean;
    /** PEM of the extra CAs (TARGET_CA_FILE) */
    extraCa: string | undefined;
  };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** SENDER_API_TOKEN, split for rotation; empty when unset */
  apiTokens: string[];
  allowUnauthenticated: boolean;
  allowedHosts: string[];
  trustProxy: boolean;
  maxLiveStreams: number;
  /** HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, MAX_CONNECTIONS */
  server: ServerBounds;
  /** SENDER_PUBLIC_URL, SENDER_DOCUMENT_KEY, DOCUMENT_LINK_TTL_SECONDS */
  documents: DocumentConfig;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`invalid ${variable}: ${detail}`);
  }
}

function read<K extends ConfigVariable>(
  env: Record<string, string | undefined>,
  name: K,
): z.output<(typeof CONFIG_VARIABLES)[K]['schema']> {
  const variable = CONFIG_VARIABLES[name];
  const raw = env[name] === '' ? undefined : env[name];
  const result = variable.schema.safeParse(raw ?? variable.default);
  if (!result.success) {
    throw new ConfigError(name, result.error.issues.map((issue) => issue.message).join('; '));
  }
  return result.data as z.output<(typeof CONFIG_VARIABLES)[K]['schema']>;
}

/** validates the environment; a bad value throws a ConfigError naming the variable */
export function loadConfig(env: Record<string, string | undefined> = process.env): SenderConfig {
  const webhookSecret = read(env, 'WEBHOOK_SECRET');
  const signing = read(env, 'WEBHOOK_SIGNING');
  const signingKey = read(env, 'WEBHOOK_SIGNING_KEY');
  const resolved = resolveSigningKey(signingKey, signing ? webhookSecret : undefined);
  if (signing && resolved.key === undefined && read(env, 'TARGET_URL') !== undefined) {
    throw new ConfigError(
      'WEBHOOK_SIGNING_KEY',
      'WEBHOOK_SIGNING=true needs a signing key (whsec_...) apart from WEBHOOK_SECRET, which is sent in clear',
    );
  }
  const host = read(env, 'HOST');
  const apiTokens = read(env, 'SENDER_API_TOKEN') ?? [];
  const allowUnauthenticated = read(env, 'ALLOW_UNAUTHENTICATED');
  // who may drive the sender is checked before where it may deliver: an open sender is the larger hole
  const exposure = unauthenticatedExposure(host, apiTokens, allowUnauthenticated);
  if (exposure) {
    throw new ConfigError('SENDER_API_TOKEN', exposure);
  }
  const targets = {
    allowed: read(env, 'ALLOWED_TARGETS'),
    requireHttps: read(env, 'REQUIRE_HTTPS_TARGETS'),
    extraCa: read(env, 'TARGET_CA_FILE'),
  };
  const targetUrl = read(env, 'TARGET_URL');
  const refused =
    targetUrl === undefined
      ? undefined
      : new TargetPolicy({ ...targets, hostIsLoopback: isLoopbackHost(host) }).checkUrl(new URL(targetUrl));
  if (refused !== undefined) {
    throw new ConfigError('TARGET_URL', `not an allowed target: ${refused}`);
  }
  const server = {
    headersTimeoutMs: read(env, 'HEADERS_TIMEOUT_MS'),
    requestTimeoutMs: read(env, 'REQUEST_TIMEOUT_MS'),
    maxConnections: read(env, 'MAX_CONNECTIONS'),
  };
  const unbound = serverBoundsProblem(server);
  if (unbound) throw new ConfigError('HEADERS_TIMEOUT_MS', unbound);
  return {
    port: read(env, 'PORT'),
    host,
    webhookSecret,
    secretHeader: read(env, 'WEBHOOK_SECRET_HEADER'),
    databaseUrl: read(env, 'DATABASE_URL'),
    targetUrl,
    retryTimeScale: read(env, 'RETRY_TIME_SCALE'),
    deliveryTimeoutMs: read(env, 'DELIVERY_TIMEOUT_MS'),
    successRule: read(env, 'SUCCESS_STATUS'),
    concurrency: read(env, 'DELIVERY_CONCURRENCY'),
    endpointConcurrency: read(env, 'ENDPOINT_CONCURRENCY'),
    runsPerSlot: read(env, 'DELIVERY_RUNS_PER_SLOT'),
    signing,
    signingKey: resolved.key,
    signingKeyFromSecret: resolved.fromSecret,
    limits: {
      eventsPerRequest: read(env, 'MAX_EVENTS_PER_REQUEST'),
      requestBytes: read(env, 'MAX_REQUEST_BYTES'),
      eventBytesPerRequest: read(env, 'MAX_BATCH_BYTES'),
      endpoints: read(env, 'MAX_ENDPOINTS'),
    },
    targets,
    logLevel: read(env, 'LOG_LEVEL'),
    apiTokens,
    allowUnauthenticated,
    allowedHosts: read(env, 'ALLOWED_HOSTS') ?? [],
    trustProxy: read(env, 'TRUST_PROXY'),
    maxLiveStreams: read(env, 'MAX_LIVE_STREAMS'),
    server,
    documents: {
      publicUrl: read(env, 'SENDER_PUBLIC_URL'),
      signingKeys: read(env, 'SENDER_DOCUMENT_KEY') ?? [],
      linkTtlSeconds: read(env, 'DOCUMENT_LINK_TTL_SECONDS'),
    },
  };
}
