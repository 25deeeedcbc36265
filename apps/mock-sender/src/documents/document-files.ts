import { createDocumentFile, type DocumentLink } from '@omni-webhooks/schema/fixtures';
import { LRUCache } from 'lru-cache';

/** bytes of served files kept for the next request: every endpoint of an event fetches the same one */
export const DOCUMENT_FILE_CACHE_BYTES = 64 * 1024 * 1024;

// a file is made on the event loop (a few MB a tenth of a second for a PNG): made once, sent to many
export class DocumentFiles {
  readonly #cache: LRUCache<string, Uint8Array>;

  constructor(maxBytes = DOCUMENT_FILE_CACHE_BYTES) {
    this.#cache = new LRUCache({ maxSize: maxBytes, sizeCalculation: (file) => Math.max(1, file.length) });
  }

  /** the bytes of createDocumentFile for the link's id, type and size */
  get(link: DocumentLink): Uint8Array {
    const key = `${link.documentId}\0${link.mimeType}\0${link.size}`;
    let file = this.#cache.get(key);
    if (!file) {
      file = createDocumentFile(link);
      this.#cache.set(key, file);
    }
    return file;
  }
}
