import type { Logger } from 'pino';
import { logError, logValue } from '../log-values.js';
import type { WebhookReceiver } from '../webhook-receiver.js';

/** the service's default handlers: one summary line per processed event */
export function exampleHandlers(receiver: WebhookReceiver, logger: Logger): void {
  const log = (id: string, type: string, summary: string) =>
    logger.info({ id, type }, `handled ${type}: ${logValue(summary)}`);
  receiver
    .on('action_log.completed', (event, { id }) =>
      log(
        id,
        event.event,
        `${event.actionLog.type} ${event.actionLog.id} for lead ${event.actionLog.leadId}`,
      ),
    )
    .on('action_log.failed', (event, { id }) =>
      log(
        id,
        event.event,
        `${event.actionLog.type} ${event.actionLog.id} failed: ${event.actionLog.error ?? 'no reason'}`,
      ),
    )
    .on('document.received', (event, { id }) =>
      log(
        id,
        event.event,
        `${event.document.filename} (${event.document.id}) for lead ${event.document.leadId}`,
      ),
    )
    .on('document.extracted', (event, { id }) =>
      log(
        id,
        event.event,
        `document ${event.documentId} ${event.status}, ${event.extractionResult?.extractedCount ?? 0} item(s)`,
      ),
    )
    .on('lead.created', (event, { id }) => log(id, event.event, `lead ${event.data.leadId}`))
    .on('lead.updated', (event, { id }) => log(id, event.event, `lead ${event.data.leadId}`))
    .on('lead.completed', (event, { id }) => log(id, event.event, `lead ${event.data.leadId}`))
    .onError((error, _event, context) =>
      logger.warn(
        { id: context.id, type: context.type, attempt: context.attempt, final: context.final },
        `handler error: ${logError(error)}`,
      ),
    );
}
