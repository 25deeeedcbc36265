import {
  DEFAULT_SECRET_HEADER,
  parseSecretList,
  parseSigningKeys,
  SERVER_BOUND_VARIABLES,
  SIGNING_KEY_PREFIX,
  secretHeaderProblem,
  serverBoundsProblem,
  signingKeyProblem,
} from '@omni-webhooks/contract';
import { z } from 'zod';
import {
  checkCredentials,
  type DeploymentConfig,
  deploymentConfig,
  deploymentEnvShape,
} from '../deployment/deployment-env.js';

// the receiver's environment, validated once at start: a bad value stops start-up naming the variable

export const SIGNATURE_MODES = ['off', 'optional', 'required'] as const;
export type SignatureMode = (typeof SIGNATURE_MODES)[number];

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** shortest accepted header secret, as for ADMIN_TOKEN: the secret is the whole of what a sender proves */
export const MIN_SECRET_LENGTH = 16;

/** a server bound (the sender's too), from the one table in @omni-webhooks/contract */
const serverBound = (name: keyof typeof SERVER_BOUND_VARIABLES, doc: string) => {
  const bound = SERVER_BOUND_VARIABLES[name];
  return integer(bound.min, bound.max).default(bound.default).describe(doc);
};

export const receiverEnvSchema = z
  .object({
    PORT: integer(0, 65_535).default(3000).describe('listen port (`0` picks a free one)'),
    HOST: z.string().min(1).default('127.0.0.1').describe('listen address'),
    WEBHOOK_SECRET: z
      .string()
      .transform((value) => parseSecretList(value))
      .pipe(
        z
          .array(z.string())
          .min(1, 'must hold at least one non-blank secret')
          .refine(
            (secrets) => secrets.every((secret) => secret.length >= MIN_SECRET_LENGTH),
            `each secret must be at least ${MIN_SECRET_LENGTH} characters`,
          )
          .superRefine(refuseBadLegacyKeys),
      )
      .optional()
      .describe(
        `accepted header secret(s), required unless \`WEBHOOK_PATH_TOKEN\` or \`WEBHOOK_SIGNING_KEYS\` is set; comma-separated during a rotation, each at least ${MIN_SECRET_LENGTH} characters; a \`whsec_\` value is also taken as a signing key, for one release (warned at start), and must then be a valid one`,
      ),
    WEBHOOK_SIGNING_KEYS: z
      .string()
      .transform((value, context) => {
        try {
          return parseSigningKeys(value);
        } catch (error) {
          context.addIssue({ code: 'custom', message: (error as Error).message.replace(/^\[.*?\] /, '') });
          return z.NEVER;
        }
      })
      .optional()
      .describe(
        'Standard Webhooks signing key(s), `whsec_<base64>`, comma-separated during a rotation; never the header secret',
      ),
    WEBHOOK_SECRET_HEADER: z
      .string()
      .transform((value) => value.trim().toLowerCase())
      .superRefine((name, context) => {
        const problem = secretHeaderProblem(name);
        if (problem) context.addIssue({ code: 'custom', message: problem });
      })
      .default(DEFAULT_SECRET_HEADER)
      .describe('header carrying the secret'),
    DATABASE_URL: z
      .string()
      .regex(
        /^(file:|postgres(ql)?:\/\/).+/,
        'must be a file: URL (e.g. file:./data/receiver.sqlite) or a postgres:// URL',
      )
      .default('file:./data/receiver.sqlite')
      .describe(
        'SQLite file (directory created, schema migrated on start), or `postgres://user:password@host:5432/db` for a fleet',
      ),
    DATABASE_POOL_MAX: integer(1, 1000)
      .default(10)
      .describe('PostgreSQL only: most connections each process opens'),
    ADMIN_TOKEN: z
      .string()
      .min(16, 'must be at least 16 characters')
      .optional()
      .describe(
        'bearer token for the admin API: `GET /events`, `GET /events/:id`, `POST /events/:id/replay`, `GET /drift`, `GET /events/export`, `GET /events/stream`, at least 16 characters',
      ),
    BODY_LIMIT_BYTES: integer(1024, 64 * 1024 * 1024)
      .default(1024 * 1024)
      .describe('largest accepted body'),
    VALIDATION_MODE: z
      .enum(['lenient', 'strict'])
      .default('lenient')
      .describe('`lenient` accepts unknown fields and enum values; `strict` rejects them'),
    SIGNATURE_MODE: z
      .enum(SIGNATURE_MODES)
      .optional()
      .describe(
        '`off` (secret header only), `optional` (secret header or a valid signature; a signature sent must be valid) or `required` (a valid signature); default `required` when `WEBHOOK_SIGNING_KEYS` is set, else `optional`',
      ),
    DEDUPE_WINDOW_MS: integer(60_000, 30 * 24 * 3_600_000)
      .default(3_600_000)
      .describe(
        'how long a body-hash (`sha256:`) key dedupes; a same-body delivery later is a new event (`webhook-id` keys last as long as their row: see `RETENTION_DAYS`)',
      ),
    HANDLER_MAX_RETRIES: integer(0, 100).default(5).describe('handler retries after the first failure'),
    HANDLER_RETRY_BASE_MS: integer(1, 3_600_000)
      .default(1000)
      .describe('first retry delay, doubled each time'),
    HANDLER_LEASE_MS: integer(100, 3_600_000)
      .default(60_000)
      .describe('how long a claimed event is exclusive; renewed every third of it while its handlers run'),
    HANDLER_TIMEOUT_MS: integer(1, 3_600_000)
      .default(30_000)
      .describe(
        'an attempt running longer is aborted (`context.signal`) and counts as a failure, retried like one',
      ),
    HEADERS_TIMEOUT_MS: serverBound('HEADERS_TIMEOUT_MS', SERVER_BOUND_VARIABLES.HEADERS_TIMEOUT_MS.doc),
    REQUEST_TIMEOUT_MS: serverBound(
      'REQUEST_TIMEOUT_MS',
      `${SERVER_BOUND_VARIABLES.REQUEST_TIMEOUT_MS.doc} (a sender gives up after 5 s)`,
    ),
    MAX_CONNECTIONS: serverBound('MAX_CONNECTIONS', SERVER_BOUND_VARIABLES.MAX_CONNECTIONS.doc),
    AUTH_FAILURE_LIMIT: integer(0, 1_000_000)
      .default(20)
      .describe(
        'refused authentications (401: wrong secrets, signatures and admin tokens) from one address within `AUTH_FAILURE_WINDOW_MS` before its unauthenticated requests are answered 429 (`0`: no limit)',
      ),
    AUTH_FAILURE_WINDOW_MS: integer(1000, 86_400_000)
      .default(60_000)
      .describe('window of `AUTH_FAILURE_LIMIT`, and the `retry-after` of a 429'),
    SHUTDOWN_TIMEOUT_MS: integer(0, 600_000)
      .default(10_000)
      .describe('bound on finishing requests and handlers at shutdown'),
    DRIFT_DETECTION: z
      .enum(['on', 'off'])
      .default('on')
      .describe(
        '`on` reports what the strict schema would flag in stored events (`GET /drift`, metrics, a warn log); `off` skips it',
      ),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('pino level; each stored event is logged as one line'),
    ...deploymentEnvShape,
  })
  .superRefine((env, context) => {
    checkCredentials(env, context);
    const unbound = serverBoundsProblem({
      headersTimeoutMs: env.HEADERS_TIMEOUT_MS,
      requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    });
    if (unbound) context.addIssue({ code: 'custom', path: ['HEADERS_TIMEOUT_MS'], message: unbound });
    if (env.SIGNATURE_MODE === 'required' && !env.WEBHOOK_SIGNING_KEYS?.length && !legacyKeys(env).length) {
      context.addIssue({
        code: 'custom',
        path: ['SIGNATURE_MODE'],
        message: 'required needs WEBHOOK_SIGNING_KEYS (the whsec_ keys signatures are checked with)',
      });
    }
  });

export type ReceiverEnv = z.output<typeof receiverEnvSchema>;

export interface ReceiverConfig extends DeploymentConfig {
  port: number;
  host: string;
  secrets: string[];
  secretHeader: string;
  /** whsec_ keys signatures are checked with: WEBHOOK_SIGNING_KEYS, then any whsec_ secret */
  signingKeys: string[];
  /** how many signing keys came from WEBHOOK_SECRET (deprecated: warned at start) */
  legacySigningKeys: number;
  databaseUrl: string;
  /** postgres only: most connections per process */
  databasePoolMax: number;
  adminToken: string | undefined;
  bodyLimitBytes: number;
  validationMode: 'lenient' | 'strict';
  signatureMode: SignatureMode;
  dedupeWindowMs: number;
  handlerMaxRetries: number;
  handlerRetryBaseMs: number;
  handlerLeaseMs: number;
  handlerTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  maxConnections: number;
  authFailureLimit: number;
  authFailureWindowMs: number;
  shutdownTimeoutMs: number;
  logLevel: ReceiverEnv['LOG_LEVEL'];
  driftDetection: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid receiver configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** whsec_ values of WEBHOOK_SECRET: signing keys for one more release */
function legacyKeys(env: { WEBHOOK_SECRET?: string[] | undefined }): string[] {
  return (env.WEBHOOK_SECRET ?? []).filter((secret) => secret.startsWith(SIGNING_KEY_PREFIX));
}

// a whsec_ secret is also taken as a signing key: one the sender would refuse to sign with (too short,
// not base64) is refused here too, rather than checked against signatures nobody can make
function refuseBadLegacyKeys(secrets: string[], context: z.RefinementCtx): void {
  secrets.forEach((secret, index) => {
    const problem = secret.startsWith(SIGNING_KEY_PREFIX) ? signingKeyProblem(secret) : undefined;
    if (problem) {
      context.addIssue({
        code: 'custom',
        message: `secret ${index + 1} starts with ${SIGNING_KEY_PREFIX}, so it is also taken as a signing key: ${problem} (use a secret without the prefix, and WEBHOOK_SIGNING_KEYS for keys)`,
      });
    }
  });
}

/** reads the environment; throws ConfigError naming every bad variable (never echoing a secret) */
export function loadConfig(env: Record<string, string | undefined>): ReceiverConfig {
  // blank variables count as unset, so `PORT=` falls back to the default
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = receiverEnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  const signingKeys = e.WEBHOOK_SIGNING_KEYS ?? [];
  const legacy = legacyKeys(e).filter((key) => !signingKeys.includes(key));
  return {
    port: e.PORT,
    host: e.HOST,
    secrets: e.WEBHOOK_SECRET ?? [],
    secretHeader: e.WEBHOOK_SECRET_HEADER,
    signingKeys: [...signingKeys, ...legacy],
    legacySigningKeys: legacy.length,
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    adminToken: e.ADMIN_TOKEN,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    validationMode: e.VALIDATION_MODE,
    // once keys are configured, stripping the signature headers must not fall back to the secret alone
    signatureMode: e.SIGNATURE_MODE ?? (signingKeys.length > 0 ? 'required' : 'optional'),
    dedupeWindowMs: e.DEDUPE_WINDOW_MS,
    handlerMaxRetries: e.HANDLER_MAX_RETRIES,
    handlerRetryBaseMs: e.HANDLER_RETRY_BASE_MS,
    handlerLeaseMs: e.HANDLER_LEASE_MS,
    handlerTimeoutMs: e.HANDLER_TIMEOUT_MS,
    headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    maxConnections: e.MAX_CONNECTIONS,
    authFailureLimit: e.AUTH_FAILURE_LIMIT,
    authFailureWindowMs: e.AUTH_FAILURE_WINDOW_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
    driftDetection: e.DRIFT_DETECTION === 'on',
    ...deploymentConfig(e),
  };
}
