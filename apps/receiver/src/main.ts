import { ConfigError, loadConfig } from './config.js';
import { startReceiver } from './receiver-server.js';

// `pnpm receiver`: configured by the environment (see README), stops cleanly on SIGTERM/SIGINT

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(
    'usage: node apps/receiver/dist/main.js\n\n' +
      'Receives OmniAI webhooks on POST /webhooks/omniai. Configured by environment variables:\n' +
      'WEBHOOK_SECRET (required), WEBHOOK_SECRET_HEADER, PORT, HOST, DATABASE_URL, DATABASE_POOL_MAX,\n' +
      'ADMIN_TOKEN, BODY_LIMIT_BYTES, VALIDATION_MODE, SIGNATURE_MODE, HANDLER_MAX_RETRIES,\n' +
      'HANDLER_RETRY_BASE_MS, HANDLER_LEASE_MS, SHUTDOWN_TIMEOUT_MS, LOG_LEVEL. See apps/receiver/README.md.\n',
  );
  process.exit(0);
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}

try {
  const running = await startReceiver(config);
  running.logger.info({ url: running.url }, `listening on ${running.url}`);
  let signals = 0;
  const stop = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) process.exit(1);
    running.logger.info({ signal }, 'shutting down');
    running.shutdown().then(
      () => {
        running.logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        running.logger.error({ error: String(error) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} catch (error) {
  process.stderr.write(
    `receiver failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}
