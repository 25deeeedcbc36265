import { type Logger, pino } from 'pino';

// secrets, tokens and signatures never reach a log line, whatever the caller passes
export const REDACTED_PATHS = [
  'secret',
  'secrets',
  'token',
  'adminToken',
  'authorization',
  'headers.authorization',
  'headers["x-webhook-secret"]',
  'headers["webhook-signature"]',
  'req.headers.authorization',
  'req.headers["x-webhook-secret"]',
  'req.headers["webhook-signature"]',
  'config.secrets',
  'config.adminToken',
];

export function createLogger(options: { level?: string; secretHeader?: string } = {}): Logger {
  const header = options.secretHeader;
  const paths = header
    ? [...REDACTED_PATHS, `headers["${header}"]`, `req.headers["${header}"]`]
    : REDACTED_PATHS;
  return pino({
    name: 'omni-receiver',
    level: options.level ?? 'info',
    redact: { paths, censor: '[redacted]' },
  });
}
