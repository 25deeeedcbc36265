// runs the Go kit (`go test`, one process) or the Python kit (scripts/check_python_kit.py, one process)
// on exported cases and returns their report; a missing toolchain is an error naming what to install
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface KitCase {
  id: string;
  /** the JSON text of the payload */
  body: string;
}

export interface KitSignatureCase {
  id: string;
  headers: Record<string, string[]>;
  body: string;
  keys: string[];
  now: number;
}

export interface KitSecretCase {
  id: string;
  got: string;
  secrets: string[];
}

export interface KitInput {
  cases?: KitCase[];
  signatures?: KitSignatureCase[];
  secrets?: KitSecretCase[];
}

export interface KitVerdict {
  ok: boolean;
  error?: string;
  type?: string;
  unknown?: boolean;
  json?: string;
}

export interface KitReport {
  runtime: string;
  cases: { id: string; lenient: KitVerdict; strict: KitVerdict }[];
  signatures: { id: string; ok: boolean; error?: string }[];
  secrets: { id: string; ok: boolean }[];
}

export type KitLanguage = 'go' | 'python';

const HINTS: Record<KitLanguage, string> = {
  go: 'the Go kit needs Go 1.19+ (apt-get install golang-go)',
  python: 'the Python kit needs a python3 on PATH with pydantic 2 (see scripts/test-prerequisites.sh)',
};

async function failed(
  language: KitLanguage,
  error: NodeJS.ErrnoException & { stderr?: string; stdout?: string },
) {
  if (error.code === 'ENOENT') return new Error(`${HINTS[language]}: ${error.message}`);
  return new Error(`the ${language} kit failed: ${error.stdout ?? ''}${error.stderr ?? error.message}`);
}

export async function runKit(language: KitLanguage, input: KitInput): Promise<KitReport> {
  const workDir = await mkdtemp(join(tmpdir(), `omni-webhooks-${language}-kit-`));
  try {
    const casesFile = join(workDir, 'cases.json');
    const reportFile = join(workDir, 'report.json');
    await writeFile(casesFile, JSON.stringify(input));
    const options = { maxBuffer: 256 * 1024 * 1024 };
    if (language === 'go') {
      await run('go', ['test', '-count=1', '-run', 'TestExportedCases', '.'], {
        ...options,
        cwd: join(packageRoot, 'go'),
        env: { ...process.env, OMNI_KIT_CASES: casesFile, OMNI_KIT_REPORT: reportFile },
      }).catch(async (error) => {
        throw await failed(language, error);
      });
      return JSON.parse(await readFile(reportFile, 'utf8')) as KitReport;
    }
    const { stdout } = await run('python3', [join(packageRoot, 'scripts/check_python_kit.py'), casesFile], {
      ...options,
      // no __pycache__ in the source tree
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    }).catch(async (error) => {
      throw await failed(language, error);
    });
    return JSON.parse(stdout) as KitReport;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
