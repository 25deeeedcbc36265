import {
  type DocumentLink,
  type DocumentLinkCheck,
  documentUrl,
  MIN_DOCUMENT_FILE_SIZE,
  parseDocumentUrl,
  signDocumentLink,
  verifyDocumentLink,
} from '@omni-webhooks/schema/fixtures';
import type { SqliteDatabase } from '../outbox/database.js';
import { documentSigningKeys } from './document-key.js';
import { DocumentTable } from './document-table.js';

/** a served file is made in memory: larger documents keep the link they were generated with */
export const MAX_SERVED_DOCUMENT_BYTES = 32 * 1024 * 1024;
const MAX_FILENAME_LENGTH = 255;

export interface DocumentLinksOptions {
  db: SqliteDatabase;
  /** SENDER_PUBLIC_URL */
  publicUrl: string;
  /** SENDER_DOCUMENT_KEY; empty: the key kept in the database */
  signingKeys: readonly string[];
  ttlSeconds: number;
  clock?: () => number;
}

/** what a request for a document link gets */
export type DocumentLookup =
  | { status: 'found'; link: DocumentLink; expires: number }
  | { status: 'refused'; reason: Extract<DocumentLinkCheck, { valid: false }>['reason'] }
  | { status: 'unknown' };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** the document as a file the sender can make, or undefined (a size or name only overrides could give) */
function servableLink(document: Record<string, unknown>): DocumentLink | undefined {
  const { id, filename, mimeType, size } = document;
  if (typeof id !== 'string' || id === '') return undefined;
  // the type becomes the Content-Type header: printable ASCII, or no link
  if (typeof mimeType !== 'string' || !/^[\x21-\x7e][\x20-\x7e]*$/.test(mimeType)) return undefined;
  if (typeof filename !== 'string' || filename === '' || filename.length > MAX_FILENAME_LENGTH)
    return undefined;
  if (typeof size !== 'number' || !Number.isSafeInteger(size)) return undefined;
  if (size < MIN_DOCUMENT_FILE_SIZE || size > MAX_SERVED_DOCUMENT_BYTES) return undefined;
  return { documentId: id, filename, mimeType, size };
}

/**
 * The sender's own document links (SENDER_PUBLIC_URL): every generated `document.received` gets a
 * `signedUrl` on the sender, signed at generation time, and the sender answers it with the file.
 */
export class DocumentLinks {
  readonly #publicUrl: string;
  readonly #keys: readonly string[];
  readonly #signingKey: string;
  readonly #ttlSeconds: number;
  readonly #clock: () => number;
  readonly #table: DocumentTable;

  constructor(options: DocumentLinksOptions) {
    this.#publicUrl = options.publicUrl;
    this.#ttlSeconds = options.ttlSeconds;
    this.#clock = options.clock ?? Date.now;
    this.#keys = documentSigningKeys(options.db, options.signingKeys, this.#clock());
    this.#signingKey = this.#keys[0] ?? '';
    this.#table = new DocumentTable(options.db);
  }

  /** buildEvents' prepareEvent: a `document.received` links its file to the sender (an explicit `signedUrl` override stays) */
  readonly prepareEvent = (
    event: Record<string, unknown>,
    request: { type: string; overrides: Record<string, unknown> | undefined },
  ): Record<string, unknown> => {
    const { document } = event;
    if (request.type !== 'document.received' || !isRecord(document)) return event;
    const asked = request.overrides?.document;
    if (isRecord(asked) && 'signedUrl' in asked) return event;
    const link = servableLink(document);
    if (!link) return event;
    const nowMs = this.#clock();
    const expires = Math.floor(nowMs / 1000) + this.#ttlSeconds;
    const signedUrl = signDocumentLink(documentUrl(this.#publicUrl, link), this.#signingKey, { expires });
    this.#table.record(link, nowMs, expires);
    return { ...event, document: { ...document, signedUrl } };
  };

  /**
   * The document a request for /documents/<id>/<filename>?<query> asks for: the link is rebuilt on
   * SENDER_PUBLIC_URL (what was signed, whatever prefix a proxy stripped), then its signature and
   * expiry are checked (403 before 404, as S3 does), then the document must be one the sender linked.
   */
  lookup(documentId: string, filename: string, query: string): DocumentLookup {
    // the path as documentUrl lays it out on the public address; the query as the request brought it
    const url = new URL(documentUrl(this.#publicUrl, { documentId, filename, mimeType: '', size: 0 }));
    url.search = query;
    const check = verifyDocumentLink(url, this.#keys, this.#clock());
    if (!check.valid) return { status: 'refused', reason: check.reason };
    const link = parseDocumentUrl(url);
    if (!link || !this.#table.has(link)) return { status: 'unknown' };
    return { status: 'found', link, expires: check.expires };
  }
}

/**
 * the body a played scenario delivery goes out with: a `document.received` links its file to the sender
 * (signed when handed to the outbox, so its expiry counts from then); every other body as planned
 */
export function linkScenarioBody(links: DocumentLinks): (delivery: { type: string; body: string }) => string {
  return ({ type, body }) =>
    type === 'document.received'
      ? JSON.stringify(
          links.prepareEvent(JSON.parse(body) as Record<string, unknown>, { type, overrides: undefined }),
        )
      : body;
}
