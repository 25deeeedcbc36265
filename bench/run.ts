// runs every suite in ./suites (or those named on the command line), one after the other:
// each suite measures its subject and its baseline in the same run and prints their ratio
import { readdir } from 'node:fs/promises';
import { basename } from 'node:path';

const suitesDir = new URL('./suites/', import.meta.url);
const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));

if (process.argv.includes('--help')) {
  process.stdout.write(
    'usage: pnpm bench [suite ...] [options]\n\n' +
      'Runs the benchmark suites in bench/suites (all by default); each prints its ratios against a baseline measured in the same run.\n\n' +
      'receiver options:\n' +
      '  --rounds=N       rounds of the cpu comparison (default 3), each subject once a round, in changing order\n' +
      '  --baseline=DIR   also measure the receiver of another checkout (built), for before/after figures\n' +
      '  --cpu-only       only the cpu comparison (bare koa, hand-written peer, receiver)\n' +
      '  --profile        profile the receiver main thread under the same load: writes bench/results/*.cpuprofile, prints the top frames\n',
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
