import { DOCUMENT_LINK_TTL_SECONDS } from '@omni-webhooks/schema/fixtures';
import { z } from 'zod';
import { httpUrlSchema } from '../base/field-schemas.js';

export const MIN_DOCUMENT_KEY_LENGTH = 32;
/** S3's longest presigned link: a week */
export const MAX_DOCUMENT_LINK_TTL_SECONDS = 604_800;

// the sender's address as receivers reach it: links are built on it, so a query or fragment has no place
const publicUrlSchema = httpUrlSchema.superRefine((value, ctx) => {
  const url = URL.parse(value);
  if (url && (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '')) {
    ctx.addIssue({ code: 'custom', message: 'a base URL without query, fragment or credentials' });
  }
});

// the messages never quote the value: it is a key
const documentKeysSchema = z
  .string()
  .transform((value) => value.split(',').map((part) => part.trim()))
  .pipe(
    z
      .array(
        z
          .string()
          .min(
            MIN_DOCUMENT_KEY_LENGTH,
            `each comma-separated key needs at least ${MIN_DOCUMENT_KEY_LENGTH} characters`,
          )
          .regex(/^[\x21-\x7e]+$/, 'a key is printable ASCII without spaces'),
      )
      .min(1),
  );

/** the document-link rows of CONFIG_VARIABLES (config.ts reads them with the others) */
export const DOCUMENT_CONFIG_VARIABLES = {
  SENDER_PUBLIC_URL: {
    schema: publicUrlSchema.optional(),
    default: undefined,
    doc:
      "the sender's address as receivers reach it (http(s), a path prefix a proxy strips is fine); set, every generated " +
      '`document.received` links its file here (`GET /documents/:id/:filename`, signed, no token) instead of the fake S3 bucket',
  },
  SENDER_DOCUMENT_KEY: {
    schema: documentKeysSchema.optional(),
    default: undefined,
    doc:
      `HMAC key(s) signing the document links (${MIN_DOCUMENT_KEY_LENGTH}+ characters; comma-separated for rotation: the first ` +
      'signs, each verifies); unset: a random key made on first start and kept in the database, so links survive a restart',
  },
  DOCUMENT_LINK_TTL_SECONDS: {
    schema: z.coerce.number().int().min(1).max(MAX_DOCUMENT_LINK_TTL_SECONDS),
    default: String(DOCUMENT_LINK_TTL_SECONDS),
    doc: `how long a document link works from when its event is generated (S3's default; at most ${MAX_DOCUMENT_LINK_TTL_SECONDS})`,
  },
} as const;

export interface DocumentConfig {
  /** SENDER_PUBLIC_URL; undefined: the fakes' S3-style links stay, nothing is served */
  publicUrl: string | undefined;
  /** SENDER_DOCUMENT_KEY, split for rotation; empty: the key kept in the database */
  signingKeys: string[];
  linkTtlSeconds: number;
}
