import type { Command } from 'commander';
import { type AcceptedDrift, isAccepted, readAcceptList } from './accept-list.js';
import { DriftInputError, type DriftRow, driftRowsFromCapture, fetchDriftRows } from './drift-rows.js';
import { suggestSchemaChange } from './drift-suggestion.js';

export const DRIFT_EXIT = { clean: 0, drift: 1, input: 2 } as const;

export interface DriftOptions {
  url?: string;
  token?: string;
  from?: string;
  accept?: string;
  json?: boolean;
  /** only rows seen at or after this ISO-8601 time (e.g. since the schema update was deployed) */
  since?: string;
  timeoutMs?: number;
  /** most bytes of the receiver's answer read (default DRIFT_ANSWER_LIMIT_BYTES) */
  maxBytes?: number;
}

export interface DriftIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export interface ReportedDrift extends DriftRow {
  accepted: boolean;
  suggestion: string;
}

function describeSeen(row: DriftRow): string {
  switch (row.kind) {
    case 'new_enum_value':
      return `new value ${JSON.stringify(row.seen)}`;
    case 'unknown_field':
      return `unknown field (${row.seen})`;
    case 'missing_required':
      return 'missing';
    case 'unknown_event':
      return `unknown event ${JSON.stringify(row.seen)}`;
    default:
      return `${row.seen} where ${row.expected ?? 'another'} is expected`;
  }
}

function textReport(source: string, rows: readonly ReportedDrift[]): string {
  const open = rows.filter((row) => !row.accepted).length;
  const lines = [`omni-contract drift ${source}: ${rows.length} drift row(s), ${open} not accepted`];
  const events = [...new Set(rows.map((row) => row.event))].sort();
  for (const event of events) {
    lines.push('', event);
    for (const row of rows.filter((candidate) => candidate.event === event)) {
      const mark = row.accepted ? 'accepted' : 'DRIFT   ';
      const when = row.lastSeen ? `, last ${row.lastSeen}` : '';
      lines.push(
        `  ${mark}  ${row.path}  ${row.kind}: ${describeSeen(row)}; example ${JSON.stringify(row.example)}; ${row.count} event(s)${when}`,
      );
      if (!row.accepted) lines.push(`            suggest: ${row.suggestion}`);
    }
  }
  if (open > 0) {
    lines.push(
      '',
      'Update @omni-webhooks/schema as suggested, or list the rows you accept in an --accept file.',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** the drift report; resolves with the exit code: 0 none open, 1 drift not accepted, 2 bad input */
export async function runDrift(options: DriftOptions, io: DriftIo): Promise<number> {
  try {
    if ((options.url === undefined) === (options.from === undefined)) {
      throw new DriftInputError('give either --url (a receiver) or --from (a file of captured events)');
    }
    let accepted: AcceptedDrift[] = [];
    if (options.accept !== undefined) accepted = await readAcceptList(options.accept);
    let rows: DriftRow[];
    if (options.url !== undefined) {
      const url = URL.canParse(options.url) ? new URL(options.url) : undefined;
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        throw new DriftInputError(`--url ${options.url} must be an http(s) URL, e.g. http://127.0.0.1:3000`);
      }
      if (!options.token) throw new DriftInputError('no admin token: give --token or set ADMIN_TOKEN');
      rows = await fetchDriftRows(options.url, options.token, options.timeoutMs ?? 10_000, options.maxBytes);
    } else {
      rows = await driftRowsFromCapture(options.from ?? '');
    }
    if (options.since !== undefined) {
      const since = Date.parse(options.since);
      if (Number.isNaN(since))
        throw new DriftInputError(`--since ${options.since} is not an ISO-8601 date or time`);
      rows = rows.filter((row) => row.lastSeen === null || Date.parse(row.lastSeen) >= since);
    }
    const reported: ReportedDrift[] = rows.map((row) => ({
      ...row,
      accepted: isAccepted(row, accepted),
      suggestion: suggestSchemaChange(row),
    }));
    const open = reported.filter((row) => !row.accepted).length;
    const source = options.url ?? options.from ?? '';
    if (options.json)
      io.stdout.write(`${JSON.stringify({ source, notAccepted: open, drift: reported }, null, 2)}\n`);
    else io.stdout.write(textReport(source, reported));
    return open > 0 ? DRIFT_EXIT.drift : DRIFT_EXIT.clean;
  } catch (error) {
    if (!(error instanceof DriftInputError)) throw error;
    io.stderr.write(`omni-contract drift: ${error.message}\n`);
    return DRIFT_EXIT.input;
  }
}

/** `omni-contract drift` */
export function registerDriftCommand(program: Command, io: DriftIo = process): void {
  program
    .command('drift')
    .description(
      'Report what OmniAI changed in its payloads: the drift rows of a receiver (GET /drift) or of a file of ' +
        'captured events, grouped by event, with a suggested schema change per row. Exits 1 when there is ' +
        'drift the --accept file does not list, 2 on bad input.',
    )
    .option('--url <url>', 'the receiver base URL, e.g. http://127.0.0.1:3000 (its GET /drift is read)')
    .option(
      '--token <token>',
      "the receiver's ADMIN_TOKEN; prefer the ADMIN_TOKEN variable, which stays out of `ps` and CI logs",
    )
    .option(
      '--from <file.jsonl>',
      'compute the report offline from captured events (GET /events/export lines, or one event JSON per line)',
    )
    .option(
      '--accept <file.json>',
      'allow-list: { "accepted": [{ "event": "<type>|*", "path", "kind"?, "reason"? }] }',
    )
    .option('--json', 'print the report as JSON')
    .option(
      '--since <time>',
      'only rows last seen at or after this ISO-8601 date or time (e.g. when a schema update was deployed)',
    )
    .action(async (flags: DriftOptions) => {
      // the token is read from the environment here, not as an option default, so --help never prints it
      const token = flags.token ?? process.env.ADMIN_TOKEN;
      process.exitCode = await runDrift({ ...flags, ...(token ? { token } : {}) }, io);
    });
}
