import { z } from 'zod';
import {
  ACTION_LOG_TYPES,
  CHECKLIST_FIELD_TYPES,
  CHECKLIST_ITEM_STATUSES,
  EXTRACTION_STATUSES,
  LEAD_SOURCES,
  MESSAGE_CHANNELS,
  MESSAGE_DIRECTIONS,
  VALIDATION_STATUSES,
} from './known-values.js';
import { createSchemaBuilder, type ValidationMode } from './schema-builder.js';

// one definition for both modes: the builder decides how open objects and enums are
export function defineEventSchemas(mode: ValidationMode) {
  const b = createSchemaBuilder(mode);
  const dateTime = () => z.iso.datetime({ offset: true });
  const byteSize = () => z.int().nonnegative();
  const jsonObject = () => z.record(z.string(), z.unknown());
  const occurredAt = () => dateTime().optional().describe('when the event occurred (older docs only)');

  const attachment = b.object({
    id: z.string(),
    filename: z.string(),
    mimeType: z.string().optional(),
    size: byteSize().optional(),
  });

  const message = b.object({
    id: z.string(),
    body: z.string(),
    channel: b.openEnum(MESSAGE_CHANNELS),
    subject: z.string().optional(),
    direction: b.openEnum(MESSAGE_DIRECTIONS),
    documents: z.array(attachment).optional(),
  });

  // one object for every documented input shape (email, sms, follow-up, tool call): all keys optional
  const actionLogInput = b.object({
    channel: b.openEnum(MESSAGE_CHANNELS).optional(),
    direction: b.openEnum(MESSAGE_DIRECTIONS).optional(),
    metadata: b
      .object({
        agentMailData: b
          .object({ to: z.array(z.string()), from: z.string(), subject: z.string().optional() })
          .optional(),
        twilioData: b
          .object({
            to: z.string(),
            from: z.string(),
            // twilio itself reports NumMedia as a numeric string
            numMedia: z.union([z.int().nonnegative(), z.string().regex(/^\d+$/)]).optional(),
          })
          .optional(),
      })
      .optional(),
    attemptNumber: z.int().positive().optional(),
    adminTriggered: z.boolean().optional(),
    missingItemsCount: z.int().nonnegative().optional(),
    toolType: z.string().optional(),
    query: z.string().optional(),
    companyInfo: z.unknown().optional(),
    instructions: z.string().optional(),
  });

  const actionLogShape = {
    id: z.string(),
    type: b.openEnum(ACTION_LOG_TYPES),
    leadId: z.string(),
    summary: z.string().optional(),
    input: actionLogInput.optional(),
    output: jsonObject().nullable().optional(),
    messages: z.array(message).optional(),
    completedAt: dateTime().optional(),
  };

  const actionLogCompletedSchema = b
    .object({
      event: z.literal('action_log.completed'),
      actionLog: b.object({ ...actionLogShape, status: b.openEnum(['COMPLETED']) }),
      workspaceId: z.string(),
      occurredAt: occurredAt(),
    })
    .describe('an action log (message, tool call, follow-up, ...) finished successfully');

  const actionLogFailedSchema = b
    .object({
      event: z.literal('action_log.failed'),
      actionLog: b.object({
        ...actionLogShape,
        status: b.openEnum(['FAILED']),
        error: z.string().optional(),
        // required in newer docs only: older payloads lack it
        agentId: z.string().optional(),
        tool: b.object({ id: z.string(), name: z.string() }).nullable().optional(),
      }),
      workspaceId: z.string(),
      occurredAt: occurredAt(),
    })
    .describe('an action log failed');

  const documentReceivedSchema = b
    .object({
      event: z.literal('document.received'),
      document: b.object({
        id: z.string(),
        leadId: z.string(),
        filename: z.string(),
        signedUrl: z.url().describe('pre-signed download link, expires after 1 hour'),
        size: byteSize().optional(),
        mimeType: z.string().optional(),
        messageId: z.string().nullable().optional(),
        metadata: jsonObject().nullable().optional(),
        createdAt: dateTime().optional(),
        externalId: z.string().nullable().optional(),
        externalLeadId: z.string().nullable().optional(),
      }),
      workspaceId: z.string(),
      occurredAt: occurredAt(),
    })
    .describe('a document arrived (email, sms, portal upload or api)');

  const address = b.object({
    street: z.string(),
    city: z.string(),
    state: z.string(),
    postalCode: z.string(),
    country: z.string(),
  });
  const checklistValue = z.union([z.string(), z.number(), address]);

  const documentExtractedSchema = b
    .object({
      event: z.literal('document.extracted'),
      workspaceId: z.string(),
      leadId: z.string(),
      documentId: z.string(),
      status: b.caseInsensitiveEnum(EXTRACTION_STATUSES),
      parentActionId: z.string().optional(),
      externalLeadId: z.string().nullable().optional(),
      externalId: z.string().nullable().optional(),
      summary: z.string().nullable().optional(),
      type: z.string().nullable().optional(),
      classification: b
        .object({
          noMatchedItemReason: z.string().nullable(),
          matchedChecklistItems: z.array(
            b.object({
              checklistItemCode: z.string(),
              fieldType: b.openEnum(CHECKLIST_FIELD_TYPES),
              label: z.string(),
              leadChecklistItemId: z.string(),
              validation: b
                .object({ status: b.openEnum(VALIDATION_STATUSES), reasons: z.array(z.string()) })
                .nullable(),
            }),
          ),
        })
        .optional(),
      extractionResult: b
        .object({
          items: z.array(
            b.object({ label: z.string(), value: checklistValue, leadChecklistItemId: z.string() }),
          ),
          extractedCount: z.int().nonnegative(),
        })
        .optional(),
      occurredAt: occurredAt(),
    })
    .describe('the document pipeline finished for a document (extraction completed, skipped or failed)');

  const checklistDocument = b.openObject({
    documentId: z.string(),
    externalId: z.string().nullable().optional(),
    filename: z.string(),
    mimeType: z.string().optional(),
    size: byteSize().optional(),
    validationResult: b
      .object({
        documentId: z.string(),
        overallValid: z.boolean(),
        otherNotes: z.string().nullable(),
        validationResults: z.array(b.openObject({ isValid: z.boolean(), ruleName: z.string() })),
      })
      .optional(),
  });

  const checklistItem = b.object({
    checklistItemId: z.string(),
    checklistItemCode: z.string(),
    // to-do and skipped items carry no value
    value: checklistValue.nullable().optional(),
    alternateValues: z.array(checklistValue).optional(),
    status: b.openEnum(CHECKLIST_ITEM_STATUSES),
    updatedAt: dateTime().optional(),
    documents: z.array(checklistDocument).optional(),
  });

  // documented "string or null" in lead.created; absent in older generations
  const leadFields = {
    firstName: z.string().nullable().optional(),
    middleName: z.string().nullable().optional(),
    lastName: z.string().nullable().optional(),
    phoneNumber: b.phoneNumber().nullable().optional(),
    email: z.string().nullable().optional(),
    businessName: z.string().nullable().optional(),
    website: z.string().nullable().optional(),
  };

  const leadCreatedSchema = b
    .object({
      event: z.literal('lead.created'),
      data: b.object({
        leadId: z.string(),
        externalId: z.string().nullable().optional(),
        ...leadFields,
        source: b.openEnum(LEAD_SOURCES).nullable().optional(),
      }),
    })
    .describe('a lead was created (api, email, sms, whatsapp or portal)');

  const leadUpdatedSchema = b
    .object({
      event: z.literal('lead.updated'),
      data: b.object({
        leadId: z.string(),
        externalId: z.string().nullable(),
        ...leadFields,
        checklistItems: z.array(checklistItem).optional(),
      }),
    })
    .describe('lead fields or checklist items changed; sparse: only changed fields are present');

  const leadCompletedSchema = b
    .object({
      event: z.literal('lead.completed'),
      data: b.object({
        leadId: z.string(),
        externalId: z.string().nullable().optional(),
        ...leadFields,
        source: b.openEnum(LEAD_SOURCES).nullable().optional(),
        checklistItems: z.array(checklistItem),
      }),
    })
    .describe('every required checklist item of a lead is completed or marked for review; once per lead');

  const byType = {
    'action_log.completed': actionLogCompletedSchema,
    'action_log.failed': actionLogFailedSchema,
    'document.received': documentReceivedSchema,
    'document.extracted': documentExtractedSchema,
    'lead.created': leadCreatedSchema,
    'lead.updated': leadUpdatedSchema,
    'lead.completed': leadCompletedSchema,
  } as const;

  const webhookEventSchema = z.discriminatedUnion('event', [
    actionLogCompletedSchema,
    actionLogFailedSchema,
    documentReceivedSchema,
    documentExtractedSchema,
    leadCreatedSchema,
    leadUpdatedSchema,
    leadCompletedSchema,
  ]);

  return { byType, webhookEventSchema };
}

export type EventSchemas = ReturnType<typeof defineEventSchemas>;
