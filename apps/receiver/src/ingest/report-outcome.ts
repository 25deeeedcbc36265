import { isWebhookEventType } from '@omni-webhooks/schema';
import type { Logger } from 'pino';
import { logError, logValue } from '../log-values.js';
import { type ReceiverMetrics, typeLabel } from '../metrics.js';
import type { IngestOutcome } from './ingest-responses.js';

export interface OutcomeReport {
  outcome: IngestOutcome;
  /** the status answered */
  status: number;
  /** `process.hrtime.bigint()` when the delivery arrived */
  started: bigint;
}

/** counts an answered delivery in the metrics and logs one line for it (never its body) */
export function reportIngestOutcome(
  metrics: ReceiverMetrics,
  logger: Logger,
  { outcome, status, started }: OutcomeReport,
): void {
  const type = 'type' in outcome ? outcome.type : undefined;
  const label = typeLabel(type, isWebhookEventType);
  metrics.received.inc({ type: label, outcome: outcome.code });
  metrics.ackDuration.observe({ outcome: outcome.code }, Number(process.hrtime.bigint() - started) / 1e9);
  if ('id' in outcome) {
    const line = {
      id: outcome.id,
      type: logValue(outcome.type),
      outcome: outcome.code,
      deliveryCount: outcome.deliveryCount,
    };
    if (outcome.code === 'duplicate') metrics.duplicates.inc({ type: label });
    if (outcome.code === 'schema_validation_failed') {
      metrics.rejected.inc({ type: label });
      logger.warn({ ...line, issues: outcome.issues.length }, 'event stored as rejected');
    } else {
      logger.info(line, outcome.code === 'duplicate' ? 'duplicate delivery' : 'event stored');
    }
  } else if (outcome.code === 'dedupe_key_failed') {
    // the error only: the body may hold personal data
    const cause = 'cause' in outcome ? outcome.cause : undefined;
    logger.error(
      { outcome: outcome.code, status, error: logError(cause) },
      'dedupe key function threw; delivery refused with 503 so the sender retries',
    );
  } else {
    logger.info({ outcome: outcome.code, status }, 'delivery refused');
  }
}
