import { createDocumentFile } from '@omni-webhooks/schema/fixtures';
import { describe, expect, it } from 'vitest';
import { DocumentFiles } from './document-files.js';

const link = (documentId: string, size = 20_000) => ({
  documentId,
  filename: 'a.png',
  mimeType: 'image/png',
  size,
});

describe('DocumentFiles', () => {
  it("answers createDocumentFile's bytes, made once while they fit the cache", () => {
    const files = new DocumentFiles(50_000);
    const first = files.get(link('doc-1'));
    expect(Buffer.from(first).equals(Buffer.from(createDocumentFile(link('doc-1'))))).toBe(true);
    expect(files.get(link('doc-1'))).toBe(first);
    expect(files.get(link('doc-1', 20_001))).not.toBe(first);
    // two more files of 20 000 bytes push the least recent out
    files.get(link('doc-2'));
    files.get(link('doc-3'));
    const again = files.get(link('doc-1'));
    expect(again).not.toBe(first);
    expect(Buffer.from(again).equals(Buffer.from(first))).toBe(true);
  });
});
