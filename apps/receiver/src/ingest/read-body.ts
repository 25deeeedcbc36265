import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import type { RefusalCode } from './ingest-responses.js';

export type ReadBodyResult = { ok: true; body: Buffer } | { ok: false; code: RefusalCode };

/**
 * reads the request body once, as bytes, refusing it as soon as it passes `limit`, and giving up on a
 * body not whole within `timeoutMs` (a slow or stalled sender must not hold the request open)
 */
export async function readBody(
  request: IncomingMessage,
  limit: number,
  timeoutMs: number,
): Promise<ReadBodyResult> {
  const length = request.headers['content-length'];
  const reading = getRawBody(request, { limit, ...(length !== undefined ? { length } : {}) }).then(
    (body): ReadBodyResult => ({ ok: true, body }),
    (error: unknown): ReadBodyResult => {
      const type = (error as { type?: unknown }).type;
      return { ok: false, code: type === 'entity.too.large' ? 'payload_too_large' : 'request_aborted' };
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ReadBodyResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, code: 'request_timeout' }), timeoutMs);
  });
  try {
    return await Promise.race([reading, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
