import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, receiverEnvSchema } from './config.js';
import { receiverHelp } from './config-help.js';

const SECRET = 'a-secret-of-16-chars';
const KEY = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig({ WEBHOOK_SECRET: SECRET })).toEqual({
      port: 3000,
      host: '127.0.0.1',
      secrets: [SECRET],
      secretHeader: 'x-webhook-secret',
      signingKeys: [],
      legacySigningKeys: 0,
      databaseUrl: 'file:./data/receiver.sqlite',
      databasePoolMax: 10,
      adminToken: undefined,
      bodyLimitBytes: 1_048_576,
      validationMode: 'lenient',
      signatureMode: 'optional',
      dedupeWindowMs: 3_600_000,
      handlerMaxRetries: 5,
      handlerRetryBaseMs: 1000,
      handlerLeaseMs: 60_000,
      handlerTimeoutMs: 30_000,
      headersTimeoutMs: 6000,
      requestTimeoutMs: 6000,
      maxConnections: 1024,
      authFailureLimit: 20,
      authFailureWindowMs: 60_000,
      shutdownTimeoutMs: 10_000,
      logLevel: 'info',
      driftDetection: true,
      pathTokens: [],
      authMode: 'credentials',
      allowedSourceCidrs: [],
      trustProxy: false,
      maxEventStreams: 20,
      retentionDays: 30,
      retentionFailedDays: 90,
    });
  });

  it('requires signatures by default once signing keys are set, apart from the secret', () => {
    const other = 'whsec_cHJldmlvdXMtc2lnbmluZy1rZXktYWJjZGVmZ2hpams=';
    const config = loadConfig({ WEBHOOK_SECRET: SECRET, WEBHOOK_SIGNING_KEYS: `${KEY}, ${other}` });
    expect(config).toMatchObject({ secrets: [SECRET], signingKeys: [KEY, other], signatureMode: 'required' });
    expect(
      loadConfig({ WEBHOOK_SECRET: SECRET, WEBHOOK_SIGNING_KEYS: KEY, SIGNATURE_MODE: 'optional' })
        .signatureMode,
    ).toBe('optional');
  });

  it('still takes a whsec_ secret as a signing key, counted for the start-up warning, optional by default', () => {
    expect(loadConfig({ WEBHOOK_SECRET: `${KEY},${SECRET}` })).toMatchObject({
      secrets: [KEY, SECRET],
      signingKeys: [KEY],
      legacySigningKeys: 1,
      signatureMode: 'optional',
    });
    expect(loadConfig({ WEBHOOK_SECRET: KEY, SIGNATURE_MODE: 'required' }).signatureMode).toBe('required');
  });

  it('splits rotation secrets and lower-cases the header name', () => {
    const config = loadConfig({
      WEBHOOK_SECRET: 'new-secret-0123456, old-secret-0123456 ,',
      WEBHOOK_SECRET_HEADER: 'X-Omni-Secret',
    });
    expect(config.secrets).toEqual(['new-secret-0123456', 'old-secret-0123456']);
    expect(config.secretHeader).toBe('x-omni-secret');
  });

  it.each([
    [{ WEBHOOK_SECRET: SECRET, PORT: 'eighty' }, 'PORT'],
    [{ WEBHOOK_SECRET: SECRET, PORT: '70000' }, 'PORT'],
    [{}, 'WEBHOOK_SECRET'],
    [{ WEBHOOK_SECRET: ' , ' }, 'WEBHOOK_SECRET'],
    [{ WEBHOOK_SECRET: 'whsec_' }, 'WEBHOOK_SECRET'],
    [{ WEBHOOK_SECRET: SECRET, WEBHOOK_SECRET_HEADER: 'bad header' }, 'WEBHOOK_SECRET_HEADER'],
    [{ WEBHOOK_SECRET: SECRET, DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ WEBHOOK_SECRET: SECRET, DATABASE_URL: 'postgres://' }, 'DATABASE_URL'],
    [{ WEBHOOK_SECRET: SECRET, DATABASE_POOL_MAX: '0' }, 'DATABASE_POOL_MAX'],
    [{ WEBHOOK_SECRET: SECRET, ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN'],
    [{ WEBHOOK_SECRET: SECRET, VALIDATION_MODE: 'loose' }, 'VALIDATION_MODE'],
    [{ WEBHOOK_SECRET: SECRET, SIGNATURE_MODE: 'sometimes' }, 'SIGNATURE_MODE'],
    [{ WEBHOOK_SECRET: SECRET, BODY_LIMIT_BYTES: '1mb' }, 'BODY_LIMIT_BYTES'],
    [{ WEBHOOK_SECRET: SECRET, HANDLER_MAX_RETRIES: '-1' }, 'HANDLER_MAX_RETRIES'],
    [{ WEBHOOK_SECRET: SECRET, HANDLER_TIMEOUT_MS: '0' }, 'HANDLER_TIMEOUT_MS'],
    [{ WEBHOOK_SECRET: SECRET, DEDUPE_WINDOW_MS: '1000' }, 'DEDUPE_WINDOW_MS'],
    [{ WEBHOOK_SECRET: 's' }, 'WEBHOOK_SECRET'],
    [{ WEBHOOK_SECRET: `${SECRET},short-old` }, 'WEBHOOK_SECRET'],
    [{ WEBHOOK_SECRET: SECRET, WEBHOOK_SIGNING_KEYS: SECRET }, 'WEBHOOK_SIGNING_KEYS'],
    [{ WEBHOOK_SECRET: SECRET, WEBHOOK_SIGNING_KEYS: 'whsec_c2hvcnQ=' }, 'WEBHOOK_SIGNING_KEYS'],
    [{ WEBHOOK_SECRET: SECRET, SIGNATURE_MODE: 'required' }, 'SIGNATURE_MODE'],
    [{ WEBHOOK_SECRET: SECRET, REQUEST_TIMEOUT_MS: '10' }, 'REQUEST_TIMEOUT_MS'],
    [{ WEBHOOK_SECRET: SECRET, HEADERS_TIMEOUT_MS: '9000' }, 'HEADERS_TIMEOUT_MS'],
    [{ WEBHOOK_SECRET: SECRET, MAX_CONNECTIONS: '0' }, 'MAX_CONNECTIONS'],
    [{ WEBHOOK_SECRET: SECRET, AUTH_FAILURE_LIMIT: '-1' }, 'AUTH_FAILURE_LIMIT'],
    [{ WEBHOOK_SECRET: SECRET, AUTH_FAILURE_WINDOW_MS: '10' }, 'AUTH_FAILURE_WINDOW_MS'],
    [{ WEBHOOK_SECRET: SECRET, DRIFT_DETECTION: 'maybe' }, 'DRIFT_DETECTION'],
  ])('refuses %j naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`${variable}:`));
  });

  it('refuses a WEBHOOK_SECRET_HEADER that frames, routes or is set by the sender, naming it', () => {
    for (const name of [
      'host',
      'Content-Length',
      'transfer-encoding',
      'connection',
      'te',
      'proxy-x',
      'expect',
    ]) {
      expect(() => loadConfig({ WEBHOOK_SECRET: SECRET, WEBHOOK_SECRET_HEADER: name }), name).toThrow(
        new RegExp(`WEBHOOK_SECRET_HEADER: "${name.toLowerCase()}" is a request-framing`),
      );
    }
    for (const name of [
      'content-type',
      'user-agent',
      'webhook-signature',
      'keep-alive',
      'upgrade',
      'trailer',
    ]) {
      expect(() => loadConfig({ WEBHOOK_SECRET: SECRET, WEBHOOK_SECRET_HEADER: name }), name).toThrow(
        ConfigError,
      );
    }
  });

  it('takes the server bounds from the table the sender shares', () => {
    const config = loadConfig({ WEBHOOK_SECRET: SECRET });
    expect([config.headersTimeoutMs, config.requestTimeoutMs, config.maxConnections]).toEqual([
      6000, 6000, 1024,
    ]);
    expect(() =>
      loadConfig({ WEBHOOK_SECRET: SECRET, HEADERS_TIMEOUT_MS: '7000', REQUEST_TIMEOUT_MS: '6000' }),
    ).toThrow(/HEADERS_TIMEOUT_MS: must not exceed REQUEST_TIMEOUT_MS/);
  });

  it('accepts postgres URLs and a pool size', () => {
    for (const url of ['postgres://u:p@db:5432/inbox', 'postgresql://db/inbox']) {
      expect(
        loadConfig({ WEBHOOK_SECRET: SECRET, DATABASE_URL: url, DATABASE_POOL_MAX: '25' }),
      ).toMatchObject({
        databaseUrl: url,
        databasePoolMax: 25,
      });
    }
  });

  it.each([
    ['a key under 16 bytes', 'whsec_c2hvcnQta2V5LTA5', /at least 16 bytes/],
    ['a key that is not base64', 'whsec_not*base64*at*all', /followed by base64/],
  ])(
    'refuses a whsec_ WEBHOOK_SECRET whose key is not a valid signing key (%s), never echoing it',
    (_, secret, why) => {
      const message = (() => {
        try {
          loadConfig({ WEBHOOK_SECRET: `plain-secret-0123456789,${secret}` });
          return 'no error';
        } catch (error) {
          return String(error);
        }
      })();
      expect(message).toMatch(
        /WEBHOOK_SECRET: secret 2 starts with whsec_, so it is also taken as a signing key/,
      );
      expect(message).toMatch(why);
      expect(message).not.toContain(secret);
    },
  );

  it('never echoes a secret in its error', () => {
    const message = (() => {
      try {
        loadConfig({ WEBHOOK_SECRET: 'whsec_', ADMIN_TOKEN: 'tiny-token' });
        return 'no error';
      } catch (error) {
        return String(error);
      }
    })();
    expect(message).toMatch(/ADMIN_TOKEN:/);
    expect(message).not.toContain('tiny-token');
  });
});

describe('receiverHelp', () => {
  it('lists every variable with its description and what it is when unset', () => {
    const help = receiverHelp();
    for (const [variable, schema] of Object.entries(receiverEnvSchema.shape)) {
      expect(schema.description, variable).toBeTruthy();
      expect(help).toContain(`${variable}`);
      expect(help).toContain(schema.description);
    }
    expect(help).toMatch(/WEBHOOK_SECRET +accepted header secret.*\(optional\)/);
    expect(help).toMatch(/DEDUPE_WINDOW_MS +.*\(default 3600000\)/);
    expect(help).toMatch(/ADMIN_TOKEN +.*\(optional\)/);
  });
});
