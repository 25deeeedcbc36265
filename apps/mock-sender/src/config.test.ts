import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from './config.js';

const SIGNING_KEY = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

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
      signingKey: undefined,
      signingKeyFromSecret: false,
      limits: {
        eventsPerRequest: 1000,
        requestBytes: 1_048_576,
        eventBytesPerRequest: 10_485_760,
        endpoints: 100,
      },
      targets: { allowed: undefined, requireHttps: false, extraCa: undefined },
      logLevel: 'info',
      apiTokens: [],
      allowUnauthenticated: false,
      allowedHosts: [],
      trustProxy: false,
      maxLiveStreams: 50,
      server: { headersTimeoutMs: 6000, requestTimeoutMs: 6000, maxConnections: 1024 },
      documents: { publicUrl: undefined, signingKeys: [], linkTtlSeconds: 3600 },
    });
  });

  it('signs the default endpoint with WEBHOOK_SIGNING_KEY, never with the secret sent in clear', () => {
    const target = { TARGET_URL: 'http://127.0.0.1:3000/webhooks/omniai', WEBHOOK_SIGNING: 'true' };
    expect(
      loadConfig({ ...target, WEBHOOK_SECRET: 'plain-secret', WEBHOOK_SIGNING_KEY: SIGNING_KEY }),
    ).toMatchObject({ webhookSecret: 'plain-secret', signingKey: SIGNING_KEY, signingKeyFromSecret: false });
    expect(() => loadConfig({ ...target, WEBHOOK_SECRET: 'plain-secret' })).toThrow(
      /^invalid WEBHOOK_SIGNING_KEY: WEBHOOK_SIGNING=true needs a signing key/,
    );
    // one release more: a whsec_ secret still signs, flagged for the warning at start
    expect(loadConfig({ ...target, WEBHOOK_SECRET: SIGNING_KEY })).toMatchObject({
      signingKey: SIGNING_KEY,
      signingKeyFromSecret: true,
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
      WEBHOOK_SIGNING_KEY: SIGNING_KEY,
    });
    expect(config).toMatchObject({
      port: 0,
      targetUrl: 'http://127.0.0.1:3000/webhooks/omniai',
      secretHeader: 'x-omni-secret',
      retryTimeScale: 0.01,
      successRule: '2xx',
      signing: true,
      signingKey: SIGNING_KEY,
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
    ['SENDER_API_TOKEN', 'short'],
    ['SENDER_API_TOKEN', 'a-long-enough-token-1,'],
    ['SENDER_API_TOKEN', 'a long enough token with spaces'],
    ['ALLOW_UNAUTHENTICATED', 'yes'],
    ['ALLOWED_HOSTS', 'https://sender.example'],
    ['TRUST_PROXY', 'on'],
    ['MAX_LIVE_STREAMS', '0'],
    ['WEBHOOK_SIGNING_KEY', 'plain-secret'],
    ['MAX_EVENTS_PER_REQUEST', '10001'],
    ['MAX_REQUEST_BYTES', '1mb'],
    ['MAX_BATCH_BYTES', '0'],
    ['MAX_ENDPOINTS', '-1'],
    ['ALLOWED_TARGETS', '10.0.0.0/33'],
    ['ALLOWED_TARGETS', 'receiver.internal:99999'],
    ['ALLOWED_TARGETS', 'http://receiver.internal'],
    ['REQUIRE_HTTPS_TARGETS', 'yes'],
    ['TARGET_CA_FILE', '/nonexistent/ca.pem'],
    ['TARGET_URL', 'http://169.254.169.254/latest/meta-data'],
    ['TARGET_URL', 'http://metadata.google.internal/computeMetadata/v1'],
    ['WEBHOOK_SIGNING_KEY', 'whsec_c2hvcnQ='],
    ['WEBHOOK_SIGNING_KEY', 'whsec_not base64!'],
    ['SENDER_PUBLIC_URL', 'sender.staging.example'],
    ['SENDER_PUBLIC_URL', 'ftp://sender.staging.example'],
    ['SENDER_PUBLIC_URL', 'https://sender.staging.example/?x=1'],
    ['SENDER_PUBLIC_URL', 'https://sender.staging.example/#top'],
    ['SENDER_PUBLIC_URL', 'https://user:pass@sender.staging.example'],
    ['SENDER_DOCUMENT_KEY', 'too-short-a-key'],
    ['SENDER_DOCUMENT_KEY', 'a-document-key-of-32-characters-0,'],
    ['SENDER_DOCUMENT_KEY', 'a document key with spaces of 32 characters'],
    ['DOCUMENT_LINK_TTL_SECONDS', '0'],
    ['DOCUMENT_LINK_TTL_SECONDS', '1.5'],
    ['DOCUMENT_LINK_TTL_SECONDS', '604801'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^invalid ${name}: `));
  });
});

describe('access configuration', () => {
  it('splits SENDER_API_TOKEN for rotation and lowercases ALLOWED_HOSTS', () => {
    expect(
      loadConfig({
        SENDER_API_TOKEN: 'first-token-0123456789, second-token-0123456789',
        ALLOWED_HOSTS: 'Sender.Staging.example,[::1]',
        MAX_LIVE_STREAMS: '5',
      }),
    ).toMatchObject({
      apiTokens: ['first-token-0123456789', 'second-token-0123456789'],
      allowedHosts: ['sender.staging.example', '::1'],
      maxLiveStreams: 5,
    });
  });

  it('names SENDER_API_TOKEN first for an open sender whose TARGET_URL a non-loopback HOST also refuses', () => {
    const env = { HOST: '0.0.0.0', TARGET_URL: 'http://127.0.0.1:3000/webhooks/omniai' };
    expect(() => loadConfig(env)).toThrow(/^invalid SENDER_API_TOKEN: HOST=0\.0\.0\.0/);
    expect(() => loadConfig({ ...env, SENDER_API_TOKEN: 'a-long-enough-token-1' })).toThrow(
      /^invalid TARGET_URL: /,
    );
  });

  it('never quotes a token in its error', () => {
    expect(() => loadConfig({ SENDER_API_TOKEN: 'too-short-tok' })).toThrow(
      /^invalid SENDER_API_TOKEN: each comma-separated token needs at least 16 characters$/,
    );
  });

  it.each(['0.0.0.0', '::', '10.1.2.3', 'sender.staging.example'])(
    'refuses HOST=%s without a token, naming SENDER_API_TOKEN, unless ALLOW_UNAUTHENTICATED=true',
    (host) => {
      expect(() => loadConfig({ HOST: host })).toThrow(
        /^invalid SENDER_API_TOKEN: HOST=.* set SENDER_API_TOKEN/,
      );
      expect(loadConfig({ HOST: host, ALLOW_UNAUTHENTICATED: 'true' }).host).toBe(host);
      expect(loadConfig({ HOST: host, SENDER_API_TOKEN: 'a-token-of-16-chars' }).apiTokens).toHaveLength(1);
    },
  );

  it.each(['127.0.0.1', '127.0.0.2', '::1', 'localhost'])(
    'starts on loopback HOST=%s without a token',
    (host) => {
      expect(loadConfig({ HOST: host }).apiTokens).toEqual([]);
    },
  );
});

describe('document links', () => {
  it('reads SENDER_PUBLIC_URL, SENDER_DOCUMENT_KEY (split for rotation) and DOCUMENT_LINK_TTL_SECONDS', () => {
    expect(
      loadConfig({
        SENDER_PUBLIC_URL: 'https://sender.staging.example/omni',
        SENDER_DOCUMENT_KEY: 'first-document-key-0123456789abcdef, second-document-key-0123456789abcde',
        DOCUMENT_LINK_TTL_SECONDS: '600',
      }).documents,
    ).toEqual({
      publicUrl: 'https://sender.staging.example/omni',
      signingKeys: ['first-document-key-0123456789abcdef', 'second-document-key-0123456789abcde'],
      linkTtlSeconds: 600,
    });
  });

  it('never quotes a document key in its error', () => {
    expect(() => loadConfig({ SENDER_DOCUMENT_KEY: 'too-short-a-key' })).toThrow(
      /^invalid SENDER_DOCUMENT_KEY: each comma-separated key needs at least 32 characters$/,
    );
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
