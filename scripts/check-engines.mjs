// every installed package must declare support for every Node version this project supports (the root
// package.json's engines.node): pnpm 12 does not check engines itself. a package that declares less
// fails the run, naming it; pnpm-workspace.yaml's overrides pin versions that declare enough
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import semver from 'semver';

const root = resolve(import.meta.dirname, '..');
const supported = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node;
const projects = JSON.parse(
  execFileSync('pnpm', ['list', '--recursive', '--depth', 'Infinity', '--json'], {
    cwd: root,
    encoding: 'utf8',
  }),
);

const paths = new Set();
let checked = 0;
function visit(dependencies) {
  for (const dependency of Object.values(dependencies ?? {})) {
    if (!dependency.path || paths.has(dependency.path)) continue;
    paths.add(dependency.path);
    visit(dependency.dependencies);
  }
}
for (const project of projects) {
  paths.add(project.path);
  visit(project.dependencies);
  visit(project.devDependencies);
  visit(project.optionalDependencies);
}

const offenders = [];
for (const path of paths) {
  // optional packages for other platforms are listed, not installed
  if (!existsSync(join(path, 'package.json'))) continue;
  const manifest = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8'));
  checked += 1;
  const declared = manifest.engines?.node;
  if (declared && !semver.subset(supported, declared)) {
    offenders.push(`${manifest.name}@${manifest.version} declares node ${declared}`);
  }
}
if (offenders.length > 0) {
  process.stderr.write(
    `these installed packages do not declare support for node ${supported} (root package.json):\n` +
      `${offenders.map((line) => `  ${line}`).join('\n')}\n` +
      'pin a version that does in pnpm-workspace.yaml overrides\n',
  );
  process.exit(1);
}
process.stdout.write(`engines: all ${checked} installed packages support node ${supported}\n`);
