import { ConfigError, loadConfig } from './config.js';
import { receiverHelp } from './config-help.js';
import { startReceiver } from './receiver-server.js';

// `pnpm receiver`: configured by the environment (see README), stops cleanly on SIGTERM/SIGINT

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(receiverHelp());
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
  let stopping = false;
  let repeatLogged = false;
  // ctrl-c signals the whole process group, and a parent may send SIGTERM too: one shutdown, bounded
  // by SHUTDOWN_TIMEOUT_MS, whatever follows
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      if (!repeatLogged) running.logger.info({ signal }, 'already shutting down; ignoring further signals');
      repeatLogged = true;
      return;
    }
    stopping = true;
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
