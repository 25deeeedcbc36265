#!/usr/bin/env node
// fails on import circles and on imports running back up a declared floor order, in each app's src/.
// run by `pnpm lint`; `node scripts/check-imports.mjs --help` for usage.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// floors from the bottom up: a module may import its own floor and the floors below, never above.
// an entry is a folder (`name/`) or a file of src/; the first entry a module's path starts with wins.
// tests (*.test.ts) sit above everything and are not checked.
const APPS = [
  {
    name: 'mock-sender',
    src: 'apps/mock-sender/src',
    enforce: true,
    floors: [
      ['base/'], // errors, ids, value schemas
      ['targets/', 'outbox/'],
      ['endpoints/', 'events/', 'delivery/', 'documents/'],
      ['dispatch/'], // enqueue then schedule
      ['scenarios/'], // plays a scenario plan through dispatch; its runs' rows
      ['access/', 'http/', 'console/', 'cli/'],
      ['config.ts', 'logger.ts', 'mock-sender.ts', 'service.ts', 'service-help.ts'],
      ['index.ts', 'main.ts', 'cli.ts', 'test-support/'],
    ],
  },
  {
    name: 'receiver',
    src: 'apps/receiver/src',
    enforce: true,
    floors: [
      ['cut-text.ts', 'log-values.ts', 'logger.ts'],
      ['store/'],
      ['metrics.ts'],
      ['drift/', 'processing/', 'retention/'],
      ['ingest/', 'admin/', 'deployment/'],
      ['receiver-options.ts', 'webhook-receiver.ts'],
      ['service/'],
      ['index.ts', 'test-support/'],
    ],
  },
];

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name))
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'));
}

/** relative imports of a module, as paths inside src (`.js` written, `.ts` on disk) */
function importsOf(srcDir, file) {
  const text = readFileSync(join(srcDir, file), 'utf8');
  const targets = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    if (!specifier?.startsWith('.')) continue;
    const resolved = posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.js$/, '.ts');
    targets.push(resolved);
  }
  return targets;
}

function floorOf(app, file) {
  const index = app.floors.findIndex((entries) =>
    entries.some((entry) => (entry.endsWith('/') ? file.startsWith(entry) : file === entry)),
  );
  return index === -1 ? undefined : index;
}

/** every circle once, as the modules along it (Tarjan's strongly connected components) */
function circles(graph) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (node) => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node), index.get(next)));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || graph.get(node)?.includes(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** the problems of one app: circles, imports up a floor, modules on no floor */
export function checkApp(app, srcDir = join(root, app.src)) {
  const files = sourceFiles(srcDir);
  const graph = new Map(files.map((file) => [file, importsOf(srcDir, file)]));
  const problems = [];
  for (const component of circles(graph)) problems.push(`import circle: ${component.join(' <-> ')}`);
  for (const [file, targets] of graph) {
    const floor = floorOf(app, file);
    if (floor === undefined) {
      problems.push(`${file} is on no floor: add it to the floors in scripts/check-imports.mjs`);
      continue;
    }
    for (const target of targets) {
      const targetFloor = floorOf(app, target);
      if (targetFloor !== undefined && targetFloor > floor) {
        problems.push(`${file} (floor ${floor}) imports ${target} (floor ${targetFloor}), a floor above`);
      }
    }
  }
  return { files: files.length, problems };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--help')) {
    process.stdout.write(
      'usage: node scripts/check-imports.mjs\n\n' +
        "Checks each app's src/ (tests aside) for import circles and imports running up its floors\n" +
        '(declared at the top of this file). Exit 1 when an enforced app has one; report-only apps print.\n',
    );
    process.exit(0);
  }
  let failed = false;
  for (const app of APPS) {
    const { files, problems } = checkApp(app);
    const mode = app.enforce ? '' : ' (report only)';
    process.stdout.write(
      `check-imports ${app.name}${mode}: ${files} modules, ${problems.length} problem(s)\n`,
    );
    for (const problem of problems) process.stdout.write(`  ${problem}\n`);
    if (app.enforce && problems.length > 0) failed = true;
  }
  process.exitCode = failed ? 1 : 0;
}

export { APPS };
