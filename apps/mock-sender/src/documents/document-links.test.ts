import {
  documentUrl,
  OMNI_DOCUMENT_BUCKET_ORIGIN,
  parseDocumentUrl,
  signDocumentLink,
  verifyDocumentLink,
} from '@omni-webhooks/schema/fixtures';
import { afterEach, describe, expect, it } from 'vitest';
import { buildEvents, type EventRequest } from '../events/event-factory.js';
import { openDatabase, type SqliteDatabase } from '../outbox/database.js';
import { DocumentLinks, MAX_SERVED_DOCUMENT_BYTES } from './document-links.js';

const PUBLIC_URL = 'https://sender.staging.example/omni-sender';
const NOW = Date.parse('2026-03-01T12:00:00Z');
const KEY = 'document-key-0123456789abcdef-0123456789';
const OLD_KEY = 'old-document-key-0123456789abcdefghij';
const TTL = 600;

interface GeneratedDocument {
  id: string;
  filename: string;
  mimeType: string;
  size: number;
  signedUrl: string;
}

const databases: SqliteDatabase[] = [];
afterEach(() => {
  for (const db of databases.splice(0)) db.close();
});

function database(): SqliteDatabase {
  const db = openDatabase('file::memory:');
  databases.push(db);
  return db;
}

/** the sender's links on `db` at `now`, signing with the first of `keys` (none: the key kept in the database) */
function linksOn(db: SqliteDatabase, keys: string[] = [KEY], now = NOW): DocumentLinks {
  return new DocumentLinks({
    db,
    publicUrl: PUBLIC_URL,
    signingKeys: keys,
    ttlSeconds: TTL,
    clock: () => now,
  });
}

function documents(links: DocumentLinks, request: Omit<EventRequest, 'event'> = {}): GeneratedDocument[] {
  return buildEvents({ event: 'document.received', ...request }, { prepareEvent: links.prepareEvent }).map(
    (event) => (JSON.parse(event.body) as { document: GeneratedDocument }).document,
  );
}

const one = (links: DocumentLinks, request: Omit<EventRequest, 'event'> = {}): GeneratedDocument => {
  const [document] = documents(links, request);
  if (!document) throw new Error('no document generated');
  return document;
};

const lookup = (links: DocumentLinks, document: GeneratedDocument) =>
  links.lookup(document.id, document.filename, new URL(document.signedUrl).search);

describe('DocumentLinks.prepareEvent', () => {
  it('links every generated document.received to the sender, signed to expire after the TTL', () => {
    const links = linksOn(database());
    for (const document of documents(links, { count: 5 })) {
      expect(
        document.signedUrl.startsWith(`${PUBLIC_URL}/documents/${encodeURIComponent(document.id)}/`),
      ).toBe(true);
      expect(verifyDocumentLink(document.signedUrl, KEY, NOW)).toEqual({
        valid: true,
        expires: NOW / 1000 + TTL,
      });
      expect(parseDocumentUrl(document.signedUrl)).toEqual({
        documentId: document.id,
        filename: document.filename,
        mimeType: document.mimeType,
        size: document.size,
      });
      expect(lookup(links, document)).toMatchObject({ status: 'found', expires: NOW / 1000 + TTL });
    }
  });

  it('links the document as overridden and keeps an explicit signedUrl', () => {
    const links = linksOn(database());
    const resized = one(links, {
      overrides: { document: { size: 4321, mimeType: 'image/png', filename: 'scan (1).png' } },
    });
    expect(parseDocumentUrl(resized.signedUrl)).toMatchObject({
      size: 4321,
      mimeType: 'image/png',
      filename: 'scan (1).png',
    });
    const explicit = 'https://files.example/doc.pdf';
    expect(one(links, { overrides: { document: { signedUrl: explicit } } }).signedUrl).toBe(explicit);
  });

  it('leaves other events and payloads sent as they are alone', () => {
    const links = linksOn(database());
    const [lead] = buildEvents({ event: 'lead.created' }, { prepareEvent: links.prepareEvent });
    expect(lead?.body).not.toContain(PUBLIC_URL);
    const payload = buildEvents({ event: 'document.received' })[0]?.body ?? '';
    const [asIs] = buildEvents(
      { event: 'document.received', payload: JSON.parse(payload) as Record<string, unknown> },
      { prepareEvent: links.prepareEvent },
    );
    expect(asIs?.body).toBe(payload);
  });

  it('keeps the generated link of a document it cannot serve', () => {
    const links = linksOn(database());
    const unservable = [
      { size: MAX_SERVED_DOCUMENT_BYTES + 1 },
      { size: 100 },
      { mimeType: 'text/plain\r\nset-cookie: a=b' },
      { filename: 'x'.repeat(256) },
    ];
    for (const document of unservable) {
      expect(one(links, { overrides: { document } }).signedUrl.startsWith(OMNI_DOCUMENT_BUCKET_ORIGIN)).toBe(
        true,
      );
    }
    expect(one(links, { overrides: { document: { filename: 'x'.repeat(255) } } }).signedUrl).toContain(
      PUBLIC_URL,
    );
  });
});

describe('DocumentLinks.lookup', () => {
  it('refuses unsigned, tampered and expired links, and then answers unknown documents', () => {
    const db = database();
    const links = linksOn(db);
    const document = one(links);
    const search = new URL(document.signedUrl).search;
    expect(links.lookup(document.id, document.filename, '?response-content-type=application%2Fpdf')).toEqual({
      status: 'refused',
      reason: 'unsigned',
    });
    expect(links.lookup(`${document.id}x`, document.filename, search)).toEqual({
      status: 'refused',
      reason: 'bad_signature',
    });
    expect(linksOn(db, [KEY], NOW + TTL * 1000).lookup(document.id, document.filename, search)).toEqual({
      status: 'refused',
      reason: 'expired',
    });
    const never = { documentId: 'never-linked', filename: 'a.pdf', mimeType: 'application/pdf', size: 5000 };
    const signed = new URL(signDocumentLink(documentUrl(PUBLIC_URL, never), KEY, { nowMs: NOW }));
    expect(links.lookup(never.documentId, never.filename, signed.search)).toEqual({ status: 'unknown' });
  });

  it('keeps a key in the database when SENDER_DOCUMENT_KEY is unset: a restart verifies the links before it', () => {
    const db = database();
    const document = one(linksOn(db, []));
    expect(lookup(linksOn(db, []), document).status).toBe('found');
    expect(db.prepare('SELECT count(*) AS n FROM document_signing_key').get()).toEqual({ n: 1 });
  });

  it('signs with the first SENDER_DOCUMENT_KEY and verifies with each (rotation)', () => {
    const db = database();
    const before = one(linksOn(db, [OLD_KEY]));
    const rotated = linksOn(db, [KEY, OLD_KEY]);
    expect(lookup(rotated, before).status).toBe('found');
    expect(verifyDocumentLink(one(rotated).signedUrl, KEY, NOW).valid).toBe(true);
    expect(lookup(linksOn(db, [KEY]), before)).toEqual({ status: 'refused', reason: 'bad_signature' });
  });

  it('forgets documents once their links have expired', () => {
    const db = database();
    documents(linksOn(db), { count: 3 });
    const count = () => db.prepare('SELECT count(*) AS n FROM documents').get();
    expect(count()).toEqual({ n: 3 });
    documents(linksOn(db, [KEY], NOW + TTL * 1000));
    expect(count()).toEqual({ n: 1 });
  });
});
