// drift rows as `GET /drift` answers them, or as `--from` computes them from captured bodies
import { readFile } from 'node:fs/promises';
import { DRIFT_KINDS, detectSchemaDrift } from '@omni-webhooks/schema';
import { type BoundedAnswer, BoundedFetchError, fetchBounded } from '../bounded-fetch.js';
import type { DriftResponse, DriftRow, ExportLine } from '../receiver-wire.js';

export type { DriftRow };

export class DriftInputError extends Error {
  override readonly name = 'DriftInputError';
}

const kinds: ReadonlySet<string> = new Set(DRIFT_KINDS);

function isDriftRow(value: unknown): value is DriftRow {
  if (typeof value !== 'object' || value === null) return false;
  const row = value as Record<string, unknown>;
  return (
    typeof row.event === 'string' &&
    typeof row.path === 'string' &&
    typeof row.kind === 'string' &&
    kinds.has(row.kind) &&
    typeof row.count === 'number'
  );
}

/** most bytes of a `GET /drift` answer read: 10 000 rows with their examples fit well within */
export const DRIFT_ANSWER_LIMIT_BYTES = 32 * 1024 * 1024;

/** the rows of a receiver's `GET /drift` (admin token); redirects are not followed, the answer is bounded */
export async function fetchDriftRows(
  baseUrl: string,
  token: string,
  timeoutMs: number,
  maxBytes = DRIFT_ANSWER_LIMIT_BYTES,
): Promise<DriftRow[]> {
  const url = new URL('drift?limit=10000', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  let response: BoundedAnswer;
  try {
    response = await fetchBounded(url, {
      headers: { authorization: `Bearer ${token}` },
      timeoutMs,
      maxBytes,
    });
  } catch (error) {
    if (error instanceof BoundedFetchError) throw new DriftInputError(error.message);
    throw error;
  }
  if (response.status === 401 || response.status === 403) {
    throw new DriftInputError(
      `${url.href} answered ${response.status}: check --token (the receiver's ADMIN_TOKEN)`,
    );
  }
  if (response.status < 200 || response.status > 299) {
    throw new DriftInputError(`${url.href} answered ${response.status}`);
  }
  let body: Partial<Record<keyof DriftResponse, unknown>> | undefined;
  try {
    body = JSON.parse(response.text) as Partial<Record<keyof DriftResponse, unknown>>;
  } catch {
    body = undefined;
  }
  if (!Array.isArray(body?.drift) || !body.drift.every(isDriftRow)) {
    throw new DriftInputError(
      `${url.href} did not answer { "drift": [...] }: is it an omni-webhooks receiver?`,
    );
  }
  return body.drift.map((row) => ({
    ...row,
    expected: row.expected ?? null,
    firstSeen: row.firstSeen ?? null,
    lastSeen: row.lastSeen ?? null,
  }));
}

/**
 * one captured event: an export line (`{ body, receivedAt?, status? }`) or the event json itself; null
 * for an export line the receiver rejected, which its radar never counts either
 */
function capturedEvent(
  line: string,
  number: number,
): { event: Record<string, unknown>; at: string | null } | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new DriftInputError(`line ${number} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DriftInputError(`line ${number} is not a JSON object`);
  }
  const record = value as Record<string, unknown> & Partial<Record<keyof ExportLine, unknown>>;
  if (typeof record.body === 'string' && record.event === undefined) {
    if (record.status === 'rejected') return null;
    const inner = capturedEvent(record.body, number);
    if (!inner) return null;
    return { event: inner.event, at: typeof record.receivedAt === 'string' ? record.receivedAt : null };
  }
  return { event: record, at: null };
}

/** drift rows of a file of captured events (`GET /events/export` output, or one event per line) */
export async function driftRowsFromCapture(file: string): Promise<DriftRow[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new DriftInputError(`cannot read --from ${file}: ${(error as Error).message}`);
  }
  const rows = new Map<string, DriftRow>();
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const captured = capturedEvent(line, index + 1);
    if (!captured) continue;
    const { event, at } = captured;
    const type = typeof event.event === 'string' ? event.event : '';
    if (type === '') throw new DriftInputError(`line ${index + 1} has no string "event"`);
    for (const drift of detectSchemaDrift(type, event)) {
      const key = `${type}\u0000${drift.path}\u0000${drift.kind}`;
      const row = rows.get(key);
      if (row) {
        row.count += 1;
        if (at && (!row.lastSeen || at > row.lastSeen)) row.lastSeen = at;
        if (at && (!row.firstSeen || at < row.firstSeen)) row.firstSeen = at;
      } else {
        rows.set(key, {
          event: type,
          path: drift.path,
          kind: drift.kind,
          expected: drift.expected ?? null,
          seen: drift.seen,
          example: drift.example,
          count: 1,
          firstSeen: at,
          lastSeen: at,
        });
      }
    }
  }
  return [...rows.values()];
}
