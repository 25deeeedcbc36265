import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 4000,
      host: '127.0.0.1',
      webhookSecret: undefined,
      secretHeader: 'x-webhook-secret',
      databaseUrl: 'file:./data/sender.sqlite',
      targetUrl: undefined,
      retryTimeScale: 1,
      deliveryTimeoutMs: 5000,
      successRule: '200',
      concurrency: 64,
      endpointConcurrency: 16,
      runsPerSlot: 4,
      signing: false,
      logLevel: 'info',
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '0',
      TARGET_URL: 'http://127.0.0.1:3000/webhooks/omniai',
      WEBHOOK_SECRET: 's',
      WEBHOOK_SECRET_HEADER: 'x-omni-secret',
      RETRY_TIME_SCALE: '0.01',
      SUCCESS_STATUS: '2xx',
      WEBHOOK_SIGNING: 'true',
    });
    expect(config).toMatchObject({
      port: 0,
      targetUrl: 'http://127.0.0.1:3000/webhooks/omniai',
      secretHeader: 'x-omni-secret',
      retryTimeScale: 0.01,
      successRule: '2xx',
      signing: true,
    });
  });

  it.each([
    ['PORT', '70000'],
    ['RETRY_TIME_SCALE', '0'],
    ['RETRY_TIME_SCALE', 'fast'],
    ['DELIVERY_TIMEOUT_MS', '1.5'],
    ['SUCCESS_STATUS', '201'],
    ['TARGET_URL', 'ftp://example.com'],
    ['TARGET_URL', 'not a url'],
    ['DATABASE_URL', 'postgres://db/sender'],
    ['WEBHOOK_SECRET_HEADER', 'x secret'],
    ['WEBHOOK_SIGNING', 'yes'],
    ['DELIVERY_CONCURRENCY', '0'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^invalid ${name}: `));
  });
});

describe('README', () => {
  it('documents every variable with its default', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    // table rows as trimmed cells: the formatter pads them
    const rows = new Map(
      readme
        .split('\n')
        .filter((line) => line.startsWith('| `'))
        .map((line) => line.split('|').map((cell) => cell.trim()))
        .map((cells) => [cells[1], cells[2]]),
    );
    for (const [name, variable] of Object.entries(CONFIG_VARIABLES)) {
      const shown = variable.default === undefined ? '-' : `\`${variable.default}\``;
      expect(rows.get(`\`${name}\``), name).toBe(shown);
    }
  });
});
