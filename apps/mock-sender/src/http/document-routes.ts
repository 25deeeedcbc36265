import Router from '@koa/router';
import type Koa from 'koa';
import type { Logger } from 'pino';
import { HttpError } from '../base/http-error.js';
import { DocumentFiles } from '../documents/document-files.js';
import type { DocumentLinks, DocumentLookup } from '../documents/document-links.js';

export interface DocumentRoutesOptions {
  links: Pick<DocumentLinks, 'lookup'>;
  /** where the bytes come from; a cache of 64 MiB by default */
  files?: Pick<DocumentFiles, 'get'> | undefined;
  logger?: Logger | undefined;
  clock?: () => number;
}

type Refusal = Extract<DocumentLookup, { status: 'refused' }>['reason'];

// the codes are those of @omni-webhooks/schema/msw's handlers, which answer the same links in unit tests
const REFUSED: Record<Refusal, string> = {
  unsigned: 'the link has no expires and signature: fetch the signedUrl exactly as the event carried it',
  bad_signature:
    'the link does not match its signature: a part of it was changed, or it was signed with a key this sender no longer has',
  expired:
    'the link has expired (DOCUMENT_LINK_TTL_SECONDS after its event was generated): a new event brings a fresh one',
};

/** `filename` for old clients (printable ASCII, no quotes), `filename*` with the name as it is */
function contentDisposition(filename: string): string {
  const plain = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  // RFC 5987 attr-char has no ' ( ) *, which encodeURIComponent leaves as they are
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${plain}"; filename*=UTF-8''${encoded}`;
}

/**
 * `GET` and `HEAD /documents/:id/:filename`: the file a `document.received` of this sender links to,
 * `size` bytes of `mimeType` made from the document id (the bytes @omni-webhooks/schema's
 * createDocumentFile makes); no token, the link is the credential
 */
export function createDocumentRoutes(options: DocumentRoutesOptions): Koa.Middleware {
  const { links, logger } = options;
  const clock = options.clock ?? Date.now;
  const files = options.files ?? new DocumentFiles();
  const router = new Router();

  // a GET route answers HEAD too (the router adds it): HEAD says what GET would send, without making it
  router.get('/documents/:id/:filename', (ctx) => {
    const lookup = links.lookup(ctx.params.id ?? '', ctx.params.filename ?? '', ctx.querystring);
    if (lookup.status === 'refused') {
      // anyone may ask without a token: at info, strangers' requests would fill the log
      logger?.debug(
        { reason: lookup.reason, address: ctx.ip, path: ctx.path.slice(0, 200) },
        'refused a document link',
      );
      throw new HttpError(403, lookup.reason, REFUSED[lookup.reason]);
    }
    if (lookup.status === 'unknown') {
      throw new HttpError(
        404,
        'not_found',
        'no such document: this sender never linked it (or its database was reset since)',
      );
    }
    const { link, expires } = lookup;
    ctx.status = 200;
    ctx.set('content-type', link.mimeType);
    ctx.set('content-disposition', contentDisposition(link.filename));
    ctx.set('cache-control', `private, max-age=${Math.max(0, expires - Math.floor(clock() / 1000))}`);
    // whatever type a payload declared, the file is never run as a page of the sender's origin
    ctx.set('x-content-type-options', 'nosniff');
    ctx.set('content-security-policy', "default-src 'none'; sandbox");
    if (ctx.method === 'HEAD') {
      ctx.length = link.size;
      return;
    }
    const file = files.get(link);
    ctx.body = Buffer.from(file.buffer, file.byteOffset, file.length);
  });

  const routes = router.routes();
  // the router sets ctx.params itself; its type only asks for them up front
  return (ctx, next) => routes(ctx as Parameters<typeof routes>[0], next);
}
