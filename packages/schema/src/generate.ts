// regenerates json-schema/, openapi/ and the kits' generated files from the zod source: `pnpm --filter @omni-webhooks/schema generate`
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_DIRS, renderGeneratedFiles } from './generated-files.js';
import { packageVersion, refuseArguments } from './package-script.js';

const packageRoot = fileURLToPath(new URL('../', import.meta.url));

refuseArguments(
  'usage: node dist/generate.js\n\nWrites json-schema/*.schema.json, openapi/webhooks.openapi.json and the generated files of the\nGo (go/*_gen.go) and Python (python/) kits from the zod schemas, and removes stale files from\njson-schema/ and openapi/. Needs gofmt (Go) on PATH.\n',
);

const version = await packageVersion(packageRoot);
const files = renderGeneratedFiles(version);

for (const dir of GENERATED_DIRS) {
  for (const name of await readdir(join(packageRoot, dir)).catch(() => [])) {
    if (!files.has(`${dir}/${name}`)) await rm(join(packageRoot, dir, name));
  }
}
for (const [path, content] of files) {
  await mkdir(dirname(join(packageRoot, path)), { recursive: true });
  await writeFile(join(packageRoot, path), content);
  process.stdout.write(`wrote ${path}\n`);
}
