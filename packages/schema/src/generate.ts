// regenerates json-schema/ and openapi/ from the zod source: `pnpm --filter @omni-webhooks/schema generate`
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_DIRS, renderGeneratedFiles } from './generated-files.js';

const packageRoot = fileURLToPath(new URL('../', import.meta.url));

if (process.argv.includes('--help')) {
  process.stdout.write(
    'usage: node dist/generate.js\n\nWrites json-schema/*.schema.json and openapi/webhooks.openapi.json from the zod schemas,\nand removes stale files from those folders.\n',
  );
  process.exit(0);
}
const unknownArgs = process.argv.slice(2);
if (unknownArgs.length) {
  process.stderr.write(`unknown argument(s): ${unknownArgs.join(' ')}; see --help\n`);
  process.exit(2);
}

const { version } = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as {
  version: string;
};
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
