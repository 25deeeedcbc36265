// keeps the JSON Schema of the version being released as the baseline of the next compat check:
// `pnpm --filter @omni-webhooks/schema release:snapshot` (run by the root `pnpm version-packages`)
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KITS_API_FILE, kitApi } from '../kits/kit-api.js';
import { packageVersion, refuseArguments } from '../package-script.js';
import { isEventSchemaFile, RELEASED_DIR } from './schema-files.js';

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

refuseArguments(
  'usage: node dist/release/snapshot-release.js\n\nCopies json-schema/<event>[.strict].schema.json to released/<package version>/, writes the public\nnames and types of the Go and Python kits there (kits-api.json), and removes the older versions kept\nthere: the compat check compares the working tree with it.\n',
);

const version = await packageVersion(packageRoot);
const releasedRoot = join(packageRoot, RELEASED_DIR);
for (const name of await readdir(releasedRoot).catch(() => [])) {
  if (name !== version) await rm(join(releasedRoot, name), { recursive: true });
}
const target = join(releasedRoot, version);
await mkdir(target, { recursive: true });
const names = (await readdir(join(packageRoot, 'json-schema'))).filter(isEventSchemaFile);
for (const name of names) await copyFile(join(packageRoot, 'json-schema', name), join(target, name));
await writeFile(join(target, KITS_API_FILE), `${JSON.stringify(kitApi(), null, 2)}\n`);
process.stdout.write(`kept ${names.length + 1} files as ${RELEASED_DIR}/${version}/\n`);
