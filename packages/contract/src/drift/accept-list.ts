// the allow-list of drift a team has decided to live with (`--accept drift-accepted.json`):
// { "accepted": [{ "event": "lead.created" | "*", "path": "data.source", "kind"?: "new_enum_value", "reason"?: "..." }] }
import { readFile } from 'node:fs/promises';
import { DRIFT_KINDS, type DriftKind } from '@omni-webhooks/schema';
import { DriftInputError, type DriftRow } from './drift-rows.js';

export interface AcceptedDrift {
  /** an event type, or `*` for every type */
  event: string;
  path: string;
  /** absent: every kind at this path */
  kind?: DriftKind;
  reason?: string;
}

const kinds: ReadonlySet<string> = new Set(DRIFT_KINDS);

function entryProblem(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return 'is not an object';
  const fields = entry as Record<string, unknown>;
  if (typeof fields.event !== 'string' || fields.event === '') return 'needs "event" (an event type or "*")';
  if (typeof fields.path !== 'string' || fields.path === '') return 'needs "path" (e.g. "data.source")';
  if (fields.kind !== undefined && (typeof fields.kind !== 'string' || !kinds.has(fields.kind))) {
    return `has "kind" ${JSON.stringify(fields.kind)}, not one of ${DRIFT_KINDS.join(', ')}`;
  }
  if (fields.reason !== undefined && typeof fields.reason !== 'string')
    return 'has a "reason" that is not a string';
  return undefined;
}

export async function readAcceptList(file: string): Promise<AcceptedDrift[]> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new DriftInputError(`cannot read --accept ${file}: ${(error as Error).message}`);
  }
  const accepted = (value as { accepted?: unknown } | null)?.accepted;
  if (!Array.isArray(accepted)) throw new DriftInputError(`--accept ${file} must hold { "accepted": [...] }`);
  for (const [index, entry] of accepted.entries()) {
    const problem = entryProblem(entry);
    if (problem) throw new DriftInputError(`--accept ${file}: accepted[${index}] ${problem}`);
  }
  return accepted as AcceptedDrift[];
}

export function isAccepted(row: DriftRow, accepted: readonly AcceptedDrift[]): boolean {
  return accepted.some(
    (entry) =>
      (entry.event === '*' || entry.event === row.event) &&
      entry.path === row.path &&
      (entry.kind === undefined || entry.kind === row.kind),
  );
}
