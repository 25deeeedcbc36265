import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

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

/** pino JSON on stdout, or on `destination` (tests read what the service would write) */
export function createLogger(
  level: LoggerOptions['level'] = 'info',
  destination?: DestinationStream,
): Logger {
  const options: LoggerOptions = {
    name: 'mock-sender',
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
