// @omni-webhooks/schema/msw: msw 2 handlers that answer the document links of the fakes and journeys
// (`document.signedUrl`) with the same deterministic files the mock sender serves. msw is an optional
// peer dependency: only this entry imports it
import { HttpResponse, http, type RequestHandler } from 'msw';
import { createDocumentFile } from '../fixtures/documents/document-file.js';
import { OMNI_DOCUMENT_BUCKET_ORIGIN, parseDocumentUrl } from '../fixtures/documents/document-url.js';
import { type SigningKey, verifyDocumentLink } from '../fixtures/documents/signed-link.js';

export interface OmniDocumentHandlerOptions {
  /** where the links point; default the fake S3 bucket of the fakes and journeys */
  origin?: string;
  /**
   * links signed with signDocumentLink (the mock sender's own, SENDER_PUBLIC_URL): 403 unless
   * `expires` and `signature` check out with one of these keys; S3-style links need none
   */
  signingKeys?: readonly SigningKey[];
  /** the clock for expiry checks */
  now?: () => number;
}

function answer(request: Request, options: OmniDocumentHandlerOptions, withBody: boolean): Response {
  if (options.signingKeys?.length) {
    const check = verifyDocumentLink(request.url, options.signingKeys, (options.now ?? Date.now)());
    if (!check.valid)
      return HttpResponse.json(
        { error: { code: check.reason, message: 'document link refused' } },
        { status: 403 },
      );
  }
  const link = parseDocumentUrl(request.url);
  if (!link)
    return HttpResponse.json({ error: { code: 'not_found', message: 'no such document' } }, { status: 404 });
  let file: Uint8Array;
  try {
    file = createDocumentFile({ documentId: link.documentId, mimeType: link.mimeType, size: link.size });
  } catch {
    return HttpResponse.json({ error: { code: 'not_found', message: 'no such document' } }, { status: 404 });
  }
  const headers = {
    'content-type': link.mimeType,
    'content-length': String(file.length),
    'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(link.filename)}`,
  };
  return new HttpResponse(withBody ? (file as Uint8Array<ArrayBuffer>) : null, { status: 200, headers });
}

export function createOmniDocumentHandlers(options: OmniDocumentHandlerOptions = {}): RequestHandler[] {
  const origin = (options.origin ?? OMNI_DOCUMENT_BUCKET_ORIGIN).replace(/\/+$/, '');
  const pattern = `${origin}/*`;
  return [
    http.get(pattern, ({ request }) => answer(request, options, true)),
    http.head(pattern, ({ request }) => answer(request, options, false)),
  ];
}

/** answers GET and HEAD on the fakes' and journeys' S3-style signedUrls */
export const omniDocumentHandlers: RequestHandler[] = createOmniDocumentHandlers();
