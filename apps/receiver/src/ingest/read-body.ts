import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import type { RefusalCode } from './ingest-responses.js';

export type ReadBodyResult = { ok: true; body: Buffer } | { ok: false; code: RefusalCode };

/** reads the request body once, as bytes, refusing it as soon as it passes `limit` */
export async function readBody(request: IncomingMessage, limit: number): Promise<ReadBodyResult> {
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity') return { ok: false, code: 'unsupported_content_encoding' };
  const length = request.headers['content-length'];
  try {
    const body = await getRawBody(request, { limit, ...(length !== undefined ? { length } : {}) });
    return { ok: true, body };
  } catch (error) {
    const type = (error as { type?: unknown }).type;
    return { ok: false, code: type === 'entity.too.large' ? 'payload_too_large' : 'request_aborted' };
  }
}
