// the kits' part of the publish dry run: builds the Python sdist and wheel without network (the
// setuptools backend of an interpreter that has setuptools and wheel, no isolation) and builds the Go
// module; checks both carry the package's version. `pnpm --filter @omni-webhooks/schema kits:pack`
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageVersion, refuseArguments } from '../package-script.js';
import { GO_KIT_DIR } from './go-kit.js';
import { PYTHON_KIT_DIR, PYTHON_PACKAGE } from './python-kit.js';

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
const pythonRoot = join(packageRoot, PYTHON_KIT_DIR);
const outDir = join(pythonRoot, 'dist');

refuseArguments(
  `usage: node dist/kits/pack-kits.js\n\nBuilds the Python kit's sdist and wheel into ${PYTHON_KIT_DIR}/dist/ (setuptools and wheel of\n$OMNI_KIT_BUILD_PYTHON, python3 or /usr/bin/python3, whichever has both; no network) and the Go\nmodule (go build), and checks that both carry the package's version.\n`,
);

const BACKEND_CHECK =
  'import setuptools, setuptools.build_meta, wheel; assert int(setuptools.__version__.split(".")[0]) >= 61';
const candidates = [process.env.OMNI_KIT_BUILD_PYTHON, 'python3', '/usr/bin/python3'].filter(
  (candidate): candidate is string => Boolean(candidate),
);
const python = candidates.find((candidate) => {
  try {
    execFileSync(candidate, ['-c', BACKEND_CHECK], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
if (!python) {
  process.stderr.write(
    `kits:pack: none of ${candidates.join(', ')} has setuptools >= 61 and wheel (apt-get install python3-setuptools python3-wheel)\n`,
  );
  process.exit(1);
}

const version = await packageVersion(packageRoot);
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
// the backend rewrites sys.argv: the folder is read first
const build = `import setuptools.build_meta as backend, sys
out = sys.argv[1]
backend.build_sdist(out)
backend.build_wheel(out)`;
// built elsewhere first: setuptools uses the source tree's dist/ as a scratch folder
const scratch = mkdtempSync(join(tmpdir(), 'omni-webhooks-python-dist-'));
try {
  execFileSync(python, ['-c', build, scratch], { cwd: pythonRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  for (const name of readdirSync(scratch)) copyFileSync(join(scratch, name), join(outDir, name));
} finally {
  rmSync(scratch, { recursive: true, force: true });
  // the backend builds in the source tree
  rmSync(join(pythonRoot, 'build'), { recursive: true, force: true });
  rmSync(join(pythonRoot, `${PYTHON_PACKAGE}.egg-info`), { recursive: true, force: true });
}
const built = readdirSync(outDir).sort();
// older setuptools keep the project name's dash in the sdist's name
const normalized = (name: string) => name.toLowerCase().replaceAll('-', '_');
const expected = [`omni_webhooks-${version}-py3-none-any.whl`, `omni_webhooks-${version}.tar.gz`];
const missing = expected.filter((name) => !built.some((file) => normalized(file) === normalized(name)));
if (missing.length > 0) {
  process.stderr.write(`kits:pack: expected ${missing.join(', ')} in ${outDir}, built ${built.join(', ')}\n`);
  process.exit(1);
}
const files = execFileSync(python, ['-m', 'zipfile', '-l', join(outDir, expected[0] ?? '')], {
  encoding: 'utf8',
});
for (const inside of ['py.typed', 'models.py', 'strict.py', '_version.py']) {
  if (!files.includes(`${PYTHON_PACKAGE}/${inside}`)) {
    process.stderr.write(`kits:pack: the wheel lacks ${PYTHON_PACKAGE}/${inside}\n`);
    process.exit(1);
  }
}
process.stdout.write(
  `python (${python}): ${built.map((name) => `${PYTHON_KIT_DIR}/dist/${name}`).join(', ')}\n`,
);

execFileSync('go', ['build', './...'], { cwd: join(packageRoot, GO_KIT_DIR), stdio: 'inherit' });
const modulePath = execFileSync('go', ['list', '-m'], {
  cwd: join(packageRoot, GO_KIT_DIR),
  encoding: 'utf8',
}).trim();
process.stdout.write(
  `go: ${modulePath} builds; release it by tagging packages/schema/${GO_KIT_DIR}/v${version}\n`,
);
