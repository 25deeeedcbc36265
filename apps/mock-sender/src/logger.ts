import { type Logger, type LoggerOptions, pino } from 'pino';

// secrets never reach a log line, whatever object they ride in
export const REDACTED_PATHS = [
  'secret',
  '*.secret',
  'webhookSecret',
  '*.webhookSecret',
  'headers',
  '*.headers',
  'apiTokens',
  '*.apiTokens',
  'token',
  '*.token',
];

export function createLogger(level: LoggerOptions['level'] = 'info'): Logger {
  return pino({
    name: 'mock-sender',
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  });
}
