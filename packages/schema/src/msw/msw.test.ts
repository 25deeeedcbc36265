import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentFile } from '../fixtures/documents/document-file.js';
import { documentUrl } from '../fixtures/documents/document-url.js';
import { signDocumentLink } from '../fixtures/documents/signed-link.js';
import { createFakeEvent } from '../fixtures/fake-event.js';
import { createScenarioPlan } from '../fixtures/scenarios/plan.js';
import { builtInScenario } from '../fixtures/scenarios/scenario-file.js';
import { jpegProblems, pdfProblems, pngProblems } from '../test-support/file-structure.js';
import { createOmniDocumentHandlers, omniDocumentHandlers } from './index.js';

const SENDER = 'http://sender.test/base';
const KEY = 'document-link-key';
const server = setupServer(
  ...omniDocumentHandlers,
  ...createOmniDocumentHandlers({ origin: SENDER, signingKeys: [KEY] }),
);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const problemsOf: Record<string, (bytes: Uint8Array) => string[]> = {
  'application/pdf': pdfProblems,
  'image/png': pngProblems,
  'image/jpeg': jpegProblems,
};

describe('omniDocumentHandlers', () => {
  it("downloads a fake document.received's file: its size, its type, the bytes the sender serves", async () => {
    const { document } = createFakeEvent('document.received', undefined, { seed: 11 });
    const response = await fetch(document.signedUrl);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(document.mimeType);
    expect(bytes.length).toBe(document.size);
    expect(
      Buffer.from(bytes).equals(
        Buffer.from(
          createDocumentFile({
            documentId: document.id,
            mimeType: document.mimeType,
            size: document.size ?? 0,
          }),
        ),
      ),
    ).toBe(true);
  });

  it('serves every document of a journey plan as a sound file of its declared type', async () => {
    const plan = createScenarioPlan(builtInScenario('document-burst'), { leads: 1, seed: 5 });
    const received = plan.deliveries.flatMap((delivery) =>
      delivery.event.event === 'document.received' ? [delivery.event.document] : [],
    );
    expect(received.length).toBeGreaterThanOrEqual(8);
    for (const document of received) {
      const response = await fetch(document.signedUrl);
      const bytes = new Uint8Array(await response.arrayBuffer());
      const check = problemsOf[document.mimeType ?? ''];
      expect({ status: response.status, size: bytes.length, problems: check?.(bytes) }).toEqual({
        status: 200,
        size: document.size,
        problems: [],
      });
    }
  });

  it('answers HEAD with the length and 404 for a link without a declared size', async () => {
    const url = documentUrl('https://omniai-documents.s3.us-east-2.amazonaws.com', {
      documentId: 'd-1',
      filename: 'w9.pdf',
      mimeType: 'application/pdf',
      size: 4096,
    });
    const head = await fetch(url, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length')]).toEqual([200, '4096']);
    const missing = await fetch('https://omniai-documents.s3.us-east-2.amazonaws.com/documents/d-1/w9.pdf');
    expect(missing.status).toBe(404);
  });

  it('checks signed links on a signing origin: 200 signed, 403 tampered or expired', async () => {
    const link = documentUrl(SENDER, {
      documentId: 'd-2',
      filename: 'id.png',
      mimeType: 'image/png',
      size: 2048,
    });
    const signed = signDocumentLink(link, KEY);
    expect((await fetch(signed)).status).toBe(200);
    expect((await fetch(signed.replace('x-omni-size=2048', 'x-omni-size=2049'))).status).toBe(403);
    expect((await fetch(signDocumentLink(link, KEY, { expires: 1_000 }))).status).toBe(403);
    expect((await fetch(link)).status).toBe(403);
  });
});
