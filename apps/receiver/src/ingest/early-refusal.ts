import type { RefusalCode } from './ingest-responses.js';

export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * what the headers alone refuse, before a byte of the body is read: a body that is not json, is
 * compressed, or declares more than the limit (authentication is `authenticateHeaders`)
 */
export function refuseOnHeaders(headers: RequestHeaders, bodyLimit: number): RefusalCode | undefined {
  if (!isJsonMediaType(single(headers['content-type']))) return 'unsupported_media_type';
  const encoding = (single(headers['content-encoding']) ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity') return 'unsupported_content_encoding';
  const length = single(headers['content-length']);
  if (length !== undefined && /^\d+$/.test(length.trim()) && Number(length) > bodyLimit) {
    return 'payload_too_large';
  }
  return undefined;
}

/** application/json or any +json type, in utf-8 (the only charset json allows between systems) */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const [mediaType = '', ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(mediaType)) return false;
  const charset = parameters.find((parameter) => parameter.startsWith('charset='));
  return charset === undefined || /^charset="?utf-8"?$/.test(charset);
}

export function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}
