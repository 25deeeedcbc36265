import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, receiverEnvSchema } from './config.js';
import { receiverHelp } from './config-help.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig({ WEBHOOK_SECRET: 's3cret' })).toEqual({
      port: 3000,
      host: '127.0.0.1',
      secrets: ['s3cret'],
      secretHeader: 'x-webhook-secret',
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
      shutdownTimeoutMs: 10_000,
      logLevel: 'info',
      driftDetection: true,
    });
  });

  it('splits rotation secrets and lower-cases the header name', () => {
    const config = loadConfig({ WEBHOOK_SECRET: 'new, old ,', WEBHOOK_SECRET_HEADER: 'X-Omni-Secret' });
    expect(config.secrets).toEqual(['new', 'old']);
    expect(config.secretHeader).toBe('x-omni-secret');
  });

  it.each([
    [{ WEBHOOK_SECRET: 's', PORT: 'eighty' }, 'PORT'],
    [{ WEBHOOK_SECRET: 's', PORT: '70000' }, 'PORT'],
    [{}, 'WEBHOOK_SECRET'],
    [{ WEBHOOK_SECRET: ' , ' }, 'WEBHOOK_SECRET'],
    [{ WEBHOOK_SECRET: 'whsec_' }, 'WEBHOOK_SECRET'],
    [{ WEBHOOK_SECRET: 's', WEBHOOK_SECRET_HEADER: 'bad header' }, 'WEBHOOK_SECRET_HEADER'],
    [{ WEBHOOK_SECRET: 's', DRIFT_DETECTION: 'maybe' }, 'DRIFT_DETECTION'],
    [{ WEBHOOK_SECRET: 's', DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ WEBHOOK_SECRET: 's', DATABASE_URL: 'postgres://' }, 'DATABASE_URL'],
    [{ WEBHOOK_SECRET: 's', DATABASE_POOL_MAX: '0' }, 'DATABASE_POOL_MAX'],
    [{ WEBHOOK_SECRET: 's', ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN'],
    [{ WEBHOOK_SECRET: 's', VALIDATION_MODE: 'loose' }, 'VALIDATION_MODE'],
    [{ WEBHOOK_SECRET: 's', SIGNATURE_MODE: 'sometimes' }, 'SIGNATURE_MODE'],
    [{ WEBHOOK_SECRET: 's', BODY_LIMIT_BYTES: '1mb' }, 'BODY_LIMIT_BYTES'],
    [{ WEBHOOK_SECRET: 's', HANDLER_MAX_RETRIES: '-1' }, 'HANDLER_MAX_RETRIES'],
    [{ WEBHOOK_SECRET: 's', HANDLER_TIMEOUT_MS: '0' }, 'HANDLER_TIMEOUT_MS'],
    [{ WEBHOOK_SECRET: 's', DEDUPE_WINDOW_MS: '1000' }, 'DEDUPE_WINDOW_MS'],
  ])('refuses %j naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`${variable}:`));
  });

  it('accepts postgres URLs and a pool size', () => {
    for (const url of ['postgres://u:p@db:5432/inbox', 'postgresql://db/inbox']) {
      expect(loadConfig({ WEBHOOK_SECRET: 's', DATABASE_URL: url, DATABASE_POOL_MAX: '25' })).toMatchObject({
        databaseUrl: url,
        databasePoolMax: 25,
      });
    }
  });

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
    expect(help).toMatch(/WEBHOOK_SECRET +accepted secret.*\(required\)/);
    expect(help).toMatch(/DEDUPE_WINDOW_MS +.*\(default 3600000\)/);
    expect(help).toMatch(/ADMIN_TOKEN +.*\(optional\)/);
  });
});
