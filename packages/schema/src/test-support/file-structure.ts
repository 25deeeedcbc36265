// structural checks of the generated document files, written from the format specs (PDF 1.4 xref,
// PNG chunks and CRCs, JPEG marker segments); each returns the problems found, [] for a sound file
import { inflateSync } from 'node:zlib';
import { crc32 } from '../fixtures/documents/crc32.js';

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

export function pdfProblems(bytes: Uint8Array): string[] {
  const text = latin1(bytes);
  const problems: string[] = [];
  if (!text.startsWith('%PDF-1.')) problems.push('no %PDF header');
  if (!text.endsWith('%%EOF\n')) problems.push('no %%EOF at the end');
  const startxref = /startxref\n(\d+)\n%%EOF\n$/.exec(text);
  const xrefAt = Number(startxref?.[1] ?? -1);
  if (text.slice(xrefAt, xrefAt + 5) !== 'xref\n')
    return [...problems, `startxref ${xrefAt} is not the xref`];
  const table = /^xref\n0 (\d+)\n/.exec(text.slice(xrefAt));
  const count = Number(table?.[1] ?? 0);
  const entriesAt = xrefAt + (table?.[0].length ?? 0);
  for (let n = 1; n < count; n += 1) {
    const entry = text.slice(entriesAt + n * 20, entriesAt + n * 20 + 20);
    const offset = Number(entry.slice(0, 10));
    if (!/^\d{10} 00000 n \n$/.test(entry)) problems.push(`xref entry ${n} malformed`);
    else if (!text.startsWith(`${n} 0 obj\n`, offset)) problems.push(`object ${n} not at ${offset}`);
  }
  for (const match of text.matchAll(/<< \/Length (\d+) >>\nstream\n/g)) {
    const end = (match.index ?? 0) + match[0].length + Number(match[1]);
    if (!text.startsWith('\nendstream', end) && !text.startsWith('endstream', end)) {
      problems.push(`stream at ${match.index} does not end after its /Length`);
    }
  }
  if (!/trailer\n<< \/Size \d+ \/Root 1 0 R/.test(text)) problems.push('no trailer with /Root');
  return problems;
}

export function pngProblems(bytes: Uint8Array): string[] {
  const problems: string[] = [];
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (!signature.every((byte, i) => bytes[i] === byte)) return ['no PNG signature'];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const types: string[] = [];
  const idat: Uint8Array[] = [];
  let width = 0;
  let height = 0;
  let at = 8;
  while (at + 12 <= bytes.length) {
    const length = view.getUint32(at);
    const type = latin1(bytes.subarray(at + 4, at + 8));
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (view.getUint32(at + 8 + length) !== crc32(bytes.subarray(at + 4, at + 8), data)) {
      problems.push(`bad CRC on ${type}`);
    }
    if (type === 'IHDR') [width, height] = [view.getUint32(at + 8), view.getUint32(at + 12)];
    if (type === 'IDAT') idat.push(data);
    types.push(type);
    at += 12 + length;
  }
  if (at !== bytes.length) problems.push(`${bytes.length - at} bytes after the last chunk`);
  if (types[0] !== 'IHDR') problems.push('IHDR is not first');
  if (types.at(-1) !== 'IEND') problems.push('IEND is not last');
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length !== height * (1 + width * 3))
    problems.push(`pixel data ${raw.length} bytes for ${width}x${height}`);
  return problems;
}

export function jpegProblems(bytes: Uint8Array): string[] {
  const problems: string[] = [];
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return ['no SOI'];
  if (bytes.at(-2) !== 0xff || bytes.at(-1) !== 0xd9) problems.push('no EOI at the end');
  const seen: number[] = [];
  let at = 2;
  while (at < bytes.length) {
    if (bytes[at] !== 0xff) return [...problems, `no marker at ${at}`];
    const marker = bytes[at + 1] ?? 0;
    seen.push(marker);
    if (marker === 0xd9) {
      at += 2;
      break;
    }
    const length = ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0);
    at += 2 + length;
    if (marker === 0xda) {
      // entropy-coded data: runs to the next marker that is not a stuffed 0xFF00
      while (at < bytes.length && !(bytes[at] === 0xff && bytes[at + 1] !== 0x00)) at += 1;
    }
  }
  if (at !== bytes.length) problems.push(`${bytes.length - at} bytes after EOI`);
  if (seen[0] !== 0xe0) problems.push('APP0 (JFIF) is not first');
  for (const required of [0xdb, 0xc0, 0xc4, 0xda]) {
    if (!seen.includes(required)) problems.push(`no marker FF${required.toString(16).toUpperCase()}`);
  }
  return problems;
}
