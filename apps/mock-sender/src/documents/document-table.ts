import type { DocumentLink } from '@omni-webhooks/schema/fixtures';
import type { Statement } from '@omni-webhooks/sqlite';
import type { SqliteDatabase } from '../outbox/database.js';

// the documents the sender linked, until their links expire: a well-signed link to a document not
// here (a database reset under a kept SENDER_DOCUMENT_KEY) is a 404, as S3 answers a deleted object.
// keyed by everything the file is made of: one id sent with two sizes is two files

export class DocumentTable {
  readonly #upsert: Statement;
  readonly #prune: Statement;
  readonly #select: Statement;

  constructor(db: SqliteDatabase) {
    this.#upsert = db.prepare(
      `INSERT INTO documents (id, filename, mime_type, size, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id, filename, mime_type, size) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)`,
    );
    this.#prune = db.prepare('DELETE FROM documents WHERE expires_at <= ?');
    this.#select = db.prepare(
      'SELECT expires_at AS expiresAt FROM documents WHERE id = ? AND filename = ? AND mime_type = ? AND size = ?',
    );
  }

  /** keeps a linked document until `expires` (unix seconds), and forgets those whose links are all expired */
  record(link: DocumentLink, nowMs: number, expires: number): void {
    this.#prune.run(Math.floor(nowMs / 1000));
    this.#upsert.run(link.documentId, link.filename, link.mimeType, link.size, nowMs, expires);
  }

  has(link: DocumentLink): boolean {
    return this.#select.get(link.documentId, link.filename, link.mimeType, link.size) !== undefined;
  }
}
