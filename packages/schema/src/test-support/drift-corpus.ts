// realistic ways OmniAI payloads drift (omniai-events.md), shared by the strict-mode corpus test, the
// drift detection test and the python check
import type { DriftKind } from '../drift/detect-drift.js';
import type { WebhookEventType } from '../event-types.js';
import { fixtures } from '../fixtures/index.js';

export type Path = (string | number)[];
export const REMOVE = Symbol('remove');
type Patch = [path: Path, value: unknown];

export interface Drift {
  name: string;
  base: string;
  patches: Patch[];
  /** where strict mode must report the drift */
  strictPaths: Path[];
  /** what drift detection reports: path (arrays as []) and kind */
  detected: [path: string, kind: DriftKind][];
}

export function baseEvent(name: string): { type: WebhookEventType; event: unknown } {
  const fixture = fixtures.find((candidate) => candidate.name === name);
  if (!fixture) throw new Error(`no fixture named "${name}"`);
  return { type: fixture.type, event: JSON.parse(JSON.stringify(fixture.event)) };
}

export function applyPatches(event: unknown, patches: Patch[]): unknown {
  for (const [path, value] of patches) {
    let parent: unknown = event;
    for (const key of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[key];
    if (typeof parent !== 'object' || parent === null) throw new Error(`no parent at ${path.join('.')}`);
    const target = parent as Record<string | number, unknown>;
    const key = path.at(-1) ?? '';
    if (value === REMOVE) delete target[key];
    else target[key] = value;
  }
  return event;
}

const AC = 'email message completed';
const AF = 'tool call failed';
const DR = 'pdf received';
const DE = 'extraction completed';
const DC = 'classified, extraction skipped (newer docs)';
const LC = 'lead from inbound email';
const LU = 'checklist item with a validated document';
const LD = 'all checklist items done';

const message = ['actionLog', 'messages', 0];
const matched = ['classification', 'matchedChecklistItems', 0];
const checklist = (index: number) => ['data', 'checklistItems', index];

export const driftCorpus: Drift[] = [
  {
    name: 'extra fields at every level',
    base: AC,
    patches: [
      [['apiVersion'], '2026-01'],
      [['actionLog', 'priority'], 'high'],
      [['actionLog', 'input', 'metadata', 'agentMailData', 'cc'], ['ops@example.com']],
      [[...message, 'threadId'], 'thr_1'],
      [[...message, 'documents'], [{ id: 'd1', filename: 'a.pdf', checksum: 'sha256:00' }]],
    ],
    strictPaths: [
      ['apiVersion'],
      ['actionLog', 'priority'],
      ['actionLog', 'input', 'metadata', 'agentMailData', 'cc'],
      [...message, 'threadId'],
      [...message, 'documents', 0, 'checksum'],
    ],
    detected: [
      ['actionLog.input.metadata.agentMailData.cc', 'unknown_field'],
      ['actionLog.messages[].documents[].checksum', 'unknown_field'],
      ['actionLog.messages[].threadId', 'unknown_field'],
      ['actionLog.priority', 'unknown_field'],
      ['apiVersion', 'unknown_field'],
    ],
  },
  {
    name: 'extra fields in a flat payload and a classification',
    base: DC,
    patches: [
      [['pageCount'], 4],
      [[...matched, 'confidence'], 0.93],
    ],
    strictPaths: [['pageCount'], [...matched, 'confidence']],
    detected: [
      ['classification.matchedChecklistItems[].confidence', 'unknown_field'],
      ['pageCount', 'unknown_field'],
    ],
  },
  {
    name: 'a new action log type',
    base: AC,
    patches: [[['actionLog', 'type'], 'WEBHOOK_TEST']],
    strictPaths: [['actionLog', 'type']],
    detected: [['actionLog.type', 'new_enum_value']],
  },
  {
    name: 'a new message channel',
    base: AC,
    patches: [[[...message, 'channel'], 'WHATSAPP']],
    strictPaths: [[...message, 'channel']],
    detected: [['actionLog.messages[].channel', 'new_enum_value']],
  },
  {
    name: 'a lower-case action log status',
    base: AF,
    patches: [[['actionLog', 'status'], 'failed']],
    strictPaths: [['actionLog', 'status']],
    detected: [['actionLog.status', 'new_enum_value']],
  },
  {
    name: 'an upper-case validation status and a new field type',
    base: DC,
    patches: [
      [[...matched, 'validation', 'status'], 'INVALID'],
      [[...matched, 'fieldType'], 'SIGNATURE'],
    ],
    strictPaths: [
      [...matched, 'fieldType'],
      [...matched, 'validation', 'status'],
    ],
    detected: [
      ['classification.matchedChecklistItems[].fieldType', 'new_enum_value'],
      ['classification.matchedChecklistItems[].validation.status', 'new_enum_value'],
    ],
  },
  {
    name: 'a new extraction status',
    base: DE,
    patches: [[['status'], 'partially_completed']],
    strictPaths: [['status']],
    detected: [['status', 'new_enum_value']],
  },
  {
    name: 'a new lead source',
    base: LC,
    patches: [[['data', 'source'], 'zapier']],
    strictPaths: [['data', 'source']],
    detected: [['data.source', 'new_enum_value']],
  },
  {
    name: 'a new checklist item status',
    base: LU,
    patches: [[[...checklist(0), 'status'], 'IN_PROGRESS']],
    strictPaths: [[...checklist(0), 'status']],
    detected: [['data.checklistItems[].status', 'new_enum_value']],
  },
  {
    name: 'occurredAt null',
    base: AC,
    patches: [[['occurredAt'], null]],
    strictPaths: [['occurredAt']],
    detected: [['occurredAt', 'type_mismatch']],
  },
  {
    name: 'null optional document fields',
    base: DR,
    patches: [
      [['document', 'size'], null],
      [['document', 'mimeType'], null],
      [['document', 'createdAt'], null],
    ],
    strictPaths: [
      ['document', 'size'],
      ['document', 'mimeType'],
      ['document', 'createdAt'],
    ],
    detected: [
      ['document.size', 'type_mismatch'],
      ['document.mimeType', 'type_mismatch'],
      ['document.createdAt', 'type_mismatch'],
    ],
  },
  {
    name: 'a message with body null',
    base: AC,
    patches: [[[...message, 'body'], null]],
    strictPaths: [[...message, 'body']],
    detected: [['actionLog.messages[].body', 'type_mismatch']],
  },
  {
    name: 'null summary, completion time and tool name on a failure',
    base: AF,
    patches: [
      [['actionLog', 'summary'], null],
      [['actionLog', 'completedAt'], null],
      [['actionLog', 'tool', 'name'], null],
    ],
    strictPaths: [
      ['actionLog', 'summary'],
      ['actionLog', 'tool', 'name'],
      ['actionLog', 'completedAt'],
    ],
    detected: [
      ['actionLog.summary', 'type_mismatch'],
      ['actionLog.completedAt', 'type_mismatch'],
      ['actionLog.tool.name', 'type_mismatch'],
    ],
  },
  {
    name: 'date-times without an offset',
    base: AC,
    patches: [
      [['actionLog', 'completedAt'], '2025-10-30T20:07:17.553'],
      [['occurredAt'], '2025-10-30T20:07:17.567'],
    ],
    strictPaths: [['actionLog', 'completedAt'], ['occurredAt']],
    detected: [
      ['actionLog.completedAt', 'format_mismatch'],
      ['occurredAt', 'format_mismatch'],
    ],
  },
  {
    name: 'date-only timestamps',
    base: LU,
    patches: [[[...checklist(0), 'updatedAt'], '2025-10-31']],
    strictPaths: [[...checklist(0), 'updatedAt']],
    detected: [['data.checklistItems[].updatedAt', 'format_mismatch']],
  },
  {
    name: 'an address with postalCode null',
    base: LD,
    patches: [[[...checklist(2), 'value', 'postalCode'], null]],
    strictPaths: [[...checklist(2), 'value']],
    detected: [['data.checklistItems[].value.postalCode', 'type_mismatch']],
  },
  {
    name: 'an address with missing keys',
    base: LD,
    patches: [[[...checklist(2), 'value'], { street: '188 King St', city: 'San Francisco' }]],
    strictPaths: [[...checklist(2), 'value']],
    detected: [
      ['data.checklistItems[].value.state', 'missing_required'],
      ['data.checklistItems[].value.postalCode', 'missing_required'],
      ['data.checklistItems[].value.country', 'missing_required'],
    ],
  },
  {
    name: 'boolean checklist values',
    base: LD,
    patches: [
      [[...checklist(0), 'value'], true],
      [[...checklist(1), 'alternateValues'], [false]],
    ],
    strictPaths: [
      [...checklist(0), 'value'],
      [...checklist(1), 'alternateValues', 0],
    ],
    detected: [
      ['data.checklistItems[].value', 'type_mismatch'],
      ['data.checklistItems[].alternateValues[]', 'type_mismatch'],
    ],
  },
  {
    name: 'boolean, null and list extraction values',
    base: DE,
    patches: [
      [['extractionResult', 'items', 0, 'value'], true],
      [['extractionResult', 'items', 1, 'value'], null],
      [
        ['extractionResult', 'items', 2],
        { label: 'Owners', value: ['Ana', 'Ben'], leadChecklistItemId: 'x' },
      ],
    ],
    strictPaths: [
      ['extractionResult', 'items', 0, 'value'],
      ['extractionResult', 'items', 1, 'value'],
      ['extractionResult', 'items', 2, 'value'],
    ],
    detected: [['extractionResult.items[].value', 'type_mismatch']],
  },
  {
    name: 'value-like objects of other shapes',
    base: AC,
    patches: [[['actionLog', 'output'], 'sent']],
    strictPaths: [['actionLog', 'output']],
    detected: [['actionLog.output', 'type_mismatch']],
  },
  {
    name: 'document metadata as a list',
    base: DR,
    patches: [[['document', 'metadata'], ['portal']]],
    strictPaths: [['document', 'metadata']],
    detected: [['document.metadata', 'type_mismatch']],
  },
  {
    name: 'documented fields a handler can do without, missing',
    base: DR,
    patches: [[['document', 'filename'], REMOVE]],
    strictPaths: [['document', 'filename']],
    detected: [['document.filename', 'missing_required']],
  },
  {
    name: 'lead.updated without externalId and with a sparse checklist document',
    base: LU,
    patches: [
      [['data', 'externalId'], REMOVE],
      [[...checklist(0), 'documents', 0, 'validationResult', 'otherNotes'], REMOVE],
    ],
    strictPaths: [
      ['data', 'externalId'],
      [...checklist(0), 'documents', 0, 'validationResult', 'otherNotes'],
    ],
    detected: [
      ['data.externalId', 'missing_required'],
      ['data.checklistItems[].documents[].validationResult.otherNotes', 'missing_required'],
    ],
  },
  {
    name: 'an action log without type or status',
    base: AF,
    patches: [
      [['actionLog', 'type'], REMOVE],
      [['actionLog', 'status'], null],
    ],
    strictPaths: [
      ['actionLog', 'type'],
      ['actionLog', 'status'],
    ],
    detected: [
      ['actionLog.type', 'missing_required'],
      ['actionLog.status', 'type_mismatch'],
    ],
  },
  {
    name: 'extractedCount null',
    base: DE,
    patches: [[['extractionResult', 'extractedCount'], null]],
    strictPaths: [['extractionResult', 'extractedCount']],
    detected: [['extractionResult.extractedCount', 'type_mismatch']],
  },
];

/** each drift applied to a fresh copy of its base fixture */
export function driftedPayloads(): { drift: Drift; type: WebhookEventType; payload: unknown }[] {
  return driftCorpus.map((drift) => {
    const { type, event } = baseEvent(drift.base);
    return { drift, type, payload: applyPatches(event, drift.patches) };
  });
}
