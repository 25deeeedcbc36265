// runs every suite in ./suites (or those named on the command line), one after the other:
// each suite measures its subject and its baseline in the same run and prints their ratio
import { readdir } from 'node:fs/promises';
import { basename } from 'node:path';

const suitesDir = new URL('./suites/', import.meta.url);
const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));

if (process.argv.includes('--help')) {
  process.stdout.write(
    'usage: pnpm bench [suite ...]\n\nRuns the benchmark suites in bench/suites (all by default).\n',
  );
  process.exit(0);
}

const files = (await readdir(suitesDir)).filter((file) => file.endsWith('.ts')).sort();
const suites = files
  .map((file) => basename(file, '.ts'))
  .filter((name) => !wanted.length || wanted.includes(name));
const unknown = wanted.filter((name) => !suites.includes(name));
if (unknown.length) {
  process.stderr.write(`unknown suite(s): ${unknown.join(', ')}; known: ${files.join(', ')}\n`);
  process.exit(2);
}

for (const name of suites) {
  process.stdout.write(`\n## ${name}\n`);
  const suite = (await import(new URL(`${name}.ts`, suitesDir).href)) as {
    default: () => Promise<void>;
  };
  await suite.default();
}
