import { ConfigError, loadConfig, type SenderConfig } from './config.js';
import { createLogger } from './logger.js';
import { createMockSender, type MockSender } from './mock-sender.js';
import { OutboxInUseError } from './outbox/outbox-owner.js';

/** loads the config from the environment; a bad value ends the process naming the variable */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): SenderConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`mock-sender: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

/** the long-running service: listens, resumes the outbox, stops cleanly on SIGTERM or SIGINT */
export async function startService(config: SenderConfig): Promise<MockSender> {
  const logger = createLogger(config.logLevel);
  let sender: MockSender;
  try {
    sender = createMockSender(config, { logger });
  } catch (error) {
    if (error instanceof OutboxInUseError) {
      process.stderr.write(`mock-sender: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const url = await sender.listen();
  logger.info(
    {
      url,
      targetUrl: config.targetUrl ?? null,
      database: config.databaseUrl,
      retryTimeScale: config.retryTimeScale,
      successRule: config.successRule,
      // how many, never which
      apiTokens: config.apiTokens.length,
    },
    'mock sender listening',
  );

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: requests in flight finish, scheduled retries stay in the outbox');
    sender.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  return sender;
}
