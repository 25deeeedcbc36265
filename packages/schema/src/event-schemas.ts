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

// one definition for both modes: the builder decides how open objects, enums and absences are.
// lenient requires only what identifies the event (`event`, the envelope object, the ids the docs mark
// required); everything else may be missing or null, date-times and enum-likes are any string, and
// value-like fields any json: a drifted payload must not cost a production receiver the event
export function defineEventSchemas(mode: ValidationMode) {
  const b = createSchemaBuilder(mode);
  const byteSize = () => z.int().nonnegative();
  const jsonObject = () => z.record(z.string(), z.unknown());
  const occurredAt = () => b.optional(b.dateTime()).describe('when the event occurred (older docs only)');

  const attachment = b.object({
    id: b.expected(z.string()),
    filename: b.expected(z.string()),
    mimeType: b.optional(z.string()),
    size: b.optional(byteSize()),
  });

  const message = b.object({
    id: b.expected(z.string()),
    body: b.expected(z.string()),
    channel: b.expected(b.openEnum(MESSAGE_CHANNELS)),
    subject: b.optional(z.string()),
    direction: b.expected(b.openEnum(MESSAGE_DIRECTIONS)),
    documents: b.optional(z.array(attachment)),
  });

  // one object for every documented input shape (email, sms, follow-up, tool call): all keys optional
  const actionLogInput = b.object({
    channel: b.optional(b.openEnum(MESSAGE_CHANNELS)),
    direction: b.optional(b.openEnum(MESSAGE_DIRECTIONS)),
    metadata: b.optional(
      b.object({
        agentMailData: b.optional(
          b.object({
            to: b.expected(z.array(z.string())),
            from: b.expected(z.string()),
            subject: b.optional(z.string()),
          }),
        ),
        twilioData: b.optional(
          b.object({
            to: b.expected(z.string()),
            from: b.expected(z.string()),
            // twilio itself reports NumMedia as a numeric string
            numMedia: b.optional(z.union([z.int().nonnegative(), z.string().regex(/^\d+$/)])),
          }),
        ),
      }),
    ),
    attemptNumber: b.optional(z.int().positive()),
    adminTriggered: b.optional(z.boolean()),
    missingItemsCount: b.optional(z.int().nonnegative()),
    toolType: b.optional(z.string()),
    query: b.optional(z.string()),
    companyInfo: z.unknown().optional(),
    instructions: b.optional(z.string()),
  });

  const actionLogShape = {
    id: z.string(),
    type: b.expected(b.openEnum(ACTION_LOG_TYPES)),
    leadId: z.string(),
    summary: b.optional(z.string()),
    input: b.optional(actionLogInput),
    output: b.anyJson(jsonObject().nullable()).optional(),
    messages: b.optional(z.array(message)),
    completedAt: b.optional(b.dateTime()),
  };

  const actionLogCompletedSchema = b
    .object({
      event: z.literal('action_log.completed'),
      actionLog: b.object({ ...actionLogShape, status: b.expected(b.openEnum(['COMPLETED'])) }),
      workspaceId: z.string(),
      occurredAt: occurredAt(),
    })
    .describe('an action log (message, tool call, follow-up, ...) finished successfully');

  const actionLogFailedSchema = b
    .object({
      event: z.literal('action_log.failed'),
      actionLog: b.object({
        ...actionLogShape,
        status: b.expected(b.openEnum(['FAILED'])),
        error: b.optional(z.string()),
        // required in newer docs only: older payloads lack it
        agentId: b.optional(z.string()),
        tool: b
          .object({ id: b.expected(z.string()), name: b.expected(z.string()) })
          .nullable()
          .optional(),
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
        filename: b.expected(z.string()),
        // required in both modes: a handler cannot fetch the document without it
        signedUrl: z.url().describe('pre-signed download link, expires after 1 hour'),
        size: b.optional(byteSize()),
        mimeType: b.optional(z.string()),
        messageId: z.string().nullable().optional(),
        metadata: b.anyJson(jsonObject().nullable()).optional(),
        createdAt: b.optional(b.dateTime()),
        externalId: z.string().nullable().optional(),
        externalLeadId: z.string().nullable().optional(),
      }),
      workspaceId: z.string(),
      occurredAt: occurredAt(),
    })
    .describe('a document arrived (email, sms, portal upload or api)');

  // strict: the complete documented address; lenient: any part of it, or any other json value
  const address = b.object({
    street: b.expected(z.string()),
    city: b.expected(z.string()),
    state: b.expected(z.string()),
    postalCode: b.expected(z.string()),
    country: b.expected(z.string()),
  });
  const checklistValue = b.anyJson(z.union([z.string(), z.number(), address]));

  const documentExtractedSchema = b
    .object({
      event: z.literal('document.extracted'),
      workspaceId: z.string(),
      leadId: z.string(),
      documentId: z.string(),
      status: b.expected(b.caseInsensitiveEnum(EXTRACTION_STATUSES)),
      parentActionId: b.optional(z.string()),
      externalLeadId: z.string().nullable().optional(),
      externalId: z.string().nullable().optional(),
      summary: z.string().nullable().optional(),
      type: z.string().nullable().optional(),
      classification: b.optional(
        b.object({
          noMatchedItemReason: b.expected(z.string().nullable()),
          matchedChecklistItems: b.expected(
            z.array(
              b.object({
                checklistItemCode: b.expected(z.string()),
                fieldType: b.expected(b.openEnum(CHECKLIST_FIELD_TYPES)),
                label: b.expected(z.string()),
                leadChecklistItemId: b.expected(z.string()),
                validation: b.expected(
                  b
                    .object({
                      status: b.expected(b.openEnum(VALIDATION_STATUSES)),
                      reasons: b.expected(z.array(z.string())),
                    })
                    .nullable(),
                ),
              }),
            ),
          ),
        }),
      ),
      extractionResult: b.optional(
        b.object({
          items: b.expected(
            z.array(
              b.object({
                label: b.expected(z.string()),
                value: b.expected(checklistValue),
                leadChecklistItemId: b.expected(z.string()),
              }),
            ),
          ),
          extractedCount: b.expected(z.int().nonnegative()),
        }),
      ),
      occurredAt: occurredAt(),
    })
    .describe('the document pipeline finished for a document (extraction completed, skipped or failed)');

  const checklistDocument = b.openObject({
    documentId: b.expected(z.string()),
    externalId: z.string().nullable().optional(),
    filename: b.expected(z.string()),
    mimeType: b.optional(z.string()),
    size: b.optional(byteSize()),
    validationResult: b.optional(
      b.object({
        documentId: b.expected(z.string()),
        overallValid: b.expected(z.boolean()),
        otherNotes: b.expected(z.string().nullable()),
        validationResults: b.expected(
          z.array(b.openObject({ isValid: b.expected(z.boolean()), ruleName: b.expected(z.string()) })),
        ),
      }),
    ),
  });

  const checklistItem = b.object({
    checklistItemId: b.expected(z.string()),
    checklistItemCode: b.expected(z.string()),
    // to-do and skipped items carry no value
    value: checklistValue.nullable().optional(),
    alternateValues: b.optional(z.array(checklistValue)),
    status: b.expected(b.openEnum(CHECKLIST_ITEM_STATUSES)),
    updatedAt: b.optional(b.dateTime()),
    documents: b.optional(z.array(checklistDocument)),
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
        externalId: b.expected(z.string().nullable()),
        ...leadFields,
        checklistItems: b.optional(z.array(checklistItem)),
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
        checklistItems: b.expected(z.array(checklistItem)),
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
