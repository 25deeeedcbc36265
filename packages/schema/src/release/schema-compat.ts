// tells which kind of release a change of the JSON Schema needs:
// `pnpm --filter @omni-webhooks/schema compat` (working tree against the last release kept in released/)
import { readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { KITS_API_FILE, type KitApi, kitApi } from '../kits/kit-api.js';
import { classifyKitChange } from './kit-change.js';
import { classifySchemaChange, highestLevel } from './schema-change.js';
import { latestReleasedVersion, RELEASED_DIR, readSchemaFiles } from './schema-files.js';

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

const USAGE = `usage: node dist/release/schema-compat.js [--released DIR] [--current DIR] [--json]

Compares the JSON Schema files (one per event and mode) of the last release kept in
released/<version>/ with those of the working tree (json-schema/), and prints the kind of release
the change needs: major (the schema refuses what it accepted, or a field left the types), minor
(it accepts more: a new optional field, enum value or type), patch (descriptions only) or none.
The Go and Python kits' public names and types (released/<version>/kits-api.json against the
working tree's zod schemas) count too: a name gone or a type changed is a major, a new one a minor.

  --released DIR  the released files to compare against (default: released/<newest version>/)
  --current DIR   the files to judge (default: json-schema/)
  --json          print { level, changes: [{ level, where, reason }] }
`;

// a folder under the working directory by its relative path, any other by its absolute one
function shown(dir: string): string {
  const path = relative(process.cwd(), dir);
  return path.startsWith('..') ? dir : path;
}

function fail(message: string): never {
  process.stderr.write(`${message}; see --help\n`);
  process.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        released: { type: 'string' },
        current: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    return fail((error as Error).message);
  }
})();

if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const version = await latestReleasedVersion(packageRoot);
const releasedDir = values.released ?? (version && join(packageRoot, RELEASED_DIR, version));
if (!releasedDir) fail(`no release kept under ${join(packageRoot, RELEASED_DIR)}`);
const currentDir = values.current ?? join(packageRoot, 'json-schema');
const [before, after] = await Promise.all([readSchemaFiles(releasedDir), readSchemaFiles(currentDir)]).catch(
  (error: Error) => fail(error.message),
);
if (before.size === 0) fail(`no *.schema.json files in ${releasedDir}`);
const schemaReport = classifySchemaChange(before, after);
const releasedKits = await readFile(join(releasedDir, KITS_API_FILE), 'utf8').then(
  (text) => JSON.parse(text) as KitApi,
  () => undefined,
);
const changes = [
  ...schemaReport.changes,
  ...classifyKitChange(releasedKits, kitApi(), basename(releasedDir)),
];
const report = { level: highestLevel(changes), changes };

if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
else {
  const lines = report.changes.map(
    (change) => `  ${change.level.padEnd(5)}  ${change.where}: ${change.reason}`,
  );
  process.stdout.write(
    `${report.level}: ${shown(releasedDir)} -> ${shown(currentDir)}\n${lines.join('\n')}${lines.length ? '\n' : ''}`,
  );
}
