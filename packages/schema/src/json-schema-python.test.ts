// a consumer outside javascript: python's jsonschema (debian's python3-jsonschema) validates every
// exported case against the committed JSON Schema files, lenient and strict, and must agree with zod
// case by case: the same verdict from the union file and the event's own file, and every path zod
// reports among python's
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { WebhookEventType } from './event-types.js';
import { safeParseWebhookEvent } from './parse.js';
import { eventSchemasByMode } from './schemas.js';
import { type ExportedCase, exportedCases } from './test-support/exported-cases.js';
import { WebhookEventValidationError } from './validation-error.js';

const run = promisify(execFile);
const packageRoot = fileURLToPath(new URL('../', import.meta.url));
const INSTALL_HINT = 'apt-get install -y python3-jsonschema';
// debian's package installs for the system interpreter; a python3 earlier on PATH (pyenv) may lack it
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

type Path = (string | number)[];
interface Verdict {
  valid: boolean;
  paths: Path[];
}
interface PythonResult {
  id: string;
  union: Verdict;
  event?: Verdict;
}
interface PythonReport {
  python: string;
  jsonschema: string;
  results: PythonResult[];
}

async function runPython(cases: ExportedCase[]): Promise<PythonReport> {
  const workDir = await mkdtemp(join(tmpdir(), 'omni-webhooks-python-check-'));
  try {
    const casesFile = join(workDir, 'cases.json');
    await writeFile(casesFile, JSON.stringify(cases));
    const { stdout } = await run(
      python,
      [join(packageRoot, 'scripts/check_json_schema.py'), join(packageRoot, 'json-schema'), casesFile],
      { maxBuffer: 256 * 1024 * 1024 },
    ).catch((error: NodeJS.ErrnoException & { stderr?: string }) => {
      if (error.code === 'ENOENT') throw new Error(`${python} not found: ${INSTALL_HINT}`);
      throw new Error(`the python check failed: ${error.stderr || error.message}`);
    });
    return JSON.parse(stdout) as PythonReport;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

const ACCEPTED: Verdict = { valid: true, paths: [] };

function zodUnionVerdict({ instance, mode }: ExportedCase): Verdict {
  const result = safeParseWebhookEvent(instance, { mode });
  return result.success ? ACCEPTED : { valid: false, paths: result.error.issues.map((issue) => issue.path) };
}

// issues as the package reports them: one path per unknown key, ending with the key
function zodEventVerdict({ instance, mode }: ExportedCase, type: WebhookEventType): Verdict {
  const result = eventSchemasByMode[mode].byType[type].safeParse(instance);
  if (result.success) return ACCEPTED;
  return {
    valid: false,
    paths: WebhookEventValidationError.fromZod(result.error).issues.map((issue) => issue.path),
  };
}

const samePath = (a: Path, b: Path) => a.length === b.length && a.every((key, i) => key === b[i]);

function describePaths(verdict: Verdict): string {
  return verdict.valid
    ? 'accepts'
    : `rejects at ${verdict.paths.map((path) => path.join('.') || '(root)').join(', ')}`;
}

/** what python and zod disagree on for one case, each line naming the case, the file and the paths */
function disagreements(testCase: ExportedCase, result: PythonResult | undefined): string[] {
  if (!result) return [`${testCase.id} (${testCase.mode}): no python result`];
  const name = `${testCase.id} (${testCase.mode})`;
  const lines: string[] = [];
  const union = zodUnionVerdict(testCase);
  if (union.valid !== result.union.valid) {
    lines.push(
      `${name}, webhook-event file: zod ${describePaths(union)}; python ${describePaths(result.union)}`,
    );
  }
  if (testCase.type) {
    const event = zodEventVerdict(testCase, testCase.type);
    const pythonEvent = result.event ?? { valid: true, paths: [] };
    const missing = event.paths.filter((path) => !pythonEvent.paths.some((other) => samePath(path, other)));
    if (event.valid !== pythonEvent.valid || missing.length > 0) {
      lines.push(
        `${name}, ${testCase.type} file: zod ${describePaths(event)}; python ${describePaths(pythonEvent)}`,
      );
    }
  }
  return lines;
}

describe('python jsonschema and zod', async () => {
  const cases = exportedCases();
  const report = await runPython(cases);
  const results = new Map(
    report.results.map((result) => [result.id + report.results.indexOf(result), result]),
  );
  const byKind = new Map<string, { compared: number; accepted: number; disagreements: string[] }>();
  cases.forEach((testCase, index) => {
    const kind = testCase.id.split(' ')[0] ?? '';
    const tally = byKind.get(kind) ?? { compared: 0, accepted: 0, disagreements: [] };
    const result = results.get(testCase.id + index);
    tally.compared += 1;
    if (result?.union.valid) tally.accepted += 1;
    tally.disagreements.push(...disagreements(testCase, result));
    byKind.set(kind, tally);
  });

  afterAll(() => {
    const summary = [...byKind].map(
      ([kind, tally]) => `${tally.compared} ${kind} (${tally.accepted} accepted)`,
    );
    process.stdout.write(
      `python ${report.python}, jsonschema ${report.jsonschema}: compared ${cases.length} cases with zod: ${summary.join(', ')}\n`,
    );
  });

  it(`returns one result per exported case (${cases.length})`, () => {
    expect(report.results.map((result) => result.id)).toEqual(cases.map((testCase) => testCase.id));
    expect(cases.length).toBeGreaterThan(1000);
  });

  for (const [kind, tally] of byKind) {
    it(`agree on every ${kind} case (${tally.compared}, both modes)`, () => {
      expect(tally.disagreements).toEqual([]);
    });
  }

  it('see both verdicts, or agreement proves nothing', () => {
    const mutants = byKind.get('mutant');
    expect(mutants?.accepted).toBeGreaterThan(100);
    expect((mutants?.compared ?? 0) - (mutants?.accepted ?? 0)).toBeGreaterThan(100);
    expect(byKind.get('fake')?.accepted).toBe(byKind.get('fake')?.compared);
    expect(byKind.get('example')?.accepted).toBe(byKind.get('example')?.compared);
  });
});
