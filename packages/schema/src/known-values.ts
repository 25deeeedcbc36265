// known values of OmniAI's enum-like fields (omniai-events.md); every list is open upstream

export const ACTION_LOG_TYPES = [
  'SYSTEM_NOTE',
  'MESSAGE',
  'FOLLOW_UP_MESSAGE',
  'TOOL_CALL',
  'DOCUMENT_UPLOAD',
  'MANUAL_UPDATE',
  'PORTAL_UPDATE',
  'PORTAL_SUBMISSION',
  'API_ACTIVITY',
] as const;

export const ACTION_LOG_STATUSES = [
  'COMPLETED',
  'FAILED',
  'PENDING',
  'CANCELLED',
  'AWAITING_APPROVAL',
] as const;

export const MESSAGE_CHANNELS = ['EMAIL', 'SMS'] as const;

export const MESSAGE_DIRECTIONS = ['INBOUND', 'OUTBOUND'] as const;

export const EXTRACTION_STATUSES = ['completed', 'failed'] as const;

export const VALIDATION_STATUSES = ['valid', 'invalid'] as const;

export const CHECKLIST_ITEM_STATUSES = ['TODO', 'COMPLETED', 'INVALID', 'SKIPPED', 'NEEDS_REVIEW'] as const;

export const CHECKLIST_FIELD_TYPES = [
  'TEXT',
  'NUMBER',
  'EMAIL',
  'PHONE',
  'ADDRESS',
  'EIN',
  'DATE',
  'SELECT',
  'BANK_STATEMENT',
  'FILE',
  'ID',
  'TAX_RETURN',
  'TOOL',
] as const;

export const LEAD_SOURCES = [
  'inbound-email',
  'inbound-sms',
  'inbound-whatsapp',
  'admin-email',
  'portal',
  'api',
  'http',
  'salesforce',
] as const;
