#!/usr/bin/env node
// writes the environment table of each app's README, between <!-- env:start --> and <!-- env:end -->,
// from the config schema the app validates its environment with (built: run after `pnpm build`).
// usage: node scripts/env-tables.mjs [--check]   (--check writes nothing, exit 1 when a table is stale)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const START = '<!-- env:start: generated from the config schema by scripts/env-tables.mjs, do not edit -->';
const END = '<!-- env:end -->';

/** one row per variable, the same for both apps: name, what it is when unset, what it does */
const APPS = [
  {
    readme: 'apps/receiver/README.md',
    async rows() {
      const { receiverEnvSchema } = await import(join(root, 'apps/receiver/dist/index.js'));
      return Object.entries(receiverEnvSchema.shape).map(([name, schema]) => {
        const unset = schema.safeParse(undefined);
        return {
          name,
          unset: !unset.success ? '(required)' : unset.data === undefined ? '-' : `\`${String(unset.data)}\``,
          meaning: schema.description ?? '',
        };
      });
    },
  },
  {
    readme: 'apps/mock-sender/README.md',
    async rows() {
      const { CONFIG_VARIABLES } = await import(join(root, 'apps/mock-sender/dist/index.js'));
      return Object.entries(CONFIG_VARIABLES).map(([name, variable]) => ({
        name,
        unset: variable.default === undefined ? '-' : `\`${variable.default}\``,
        meaning: variable.doc,
      }));
    },
  },
];

/** a markdown table padded as the formatter would */
function table(rows) {
  const cells = [
    ['variable', 'default', 'meaning'],
    ...rows.map((row) => [`\`${row.name}\``, row.unset, row.meaning]),
  ];
  const widths = [0, 1, 2].map((column) => Math.max(...cells.map((line) => line[column].length)));
  const line = (values) => `| ${values.map((value, column) => value.padEnd(widths[column])).join(' | ')} |`;
  return [line(cells[0]), line(widths.map((width) => '-'.repeat(width))), ...cells.slice(1).map(line)].join(
    '\n',
  );
}

/** the README with its table regenerated; throws when the markers are missing */
function withTable(readme, file, rows) {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end < start) throw new Error(`${file}: no ${START} ... ${END} block`);
  return `${readme.slice(0, start + START.length)}\n\n${table(rows)}\n\n${readme.slice(end)}`;
}

const check = process.argv.includes('--check');
let stale = 0;
for (const app of APPS) {
  const file = join(root, app.readme);
  const readme = readFileSync(file, 'utf8');
  const next = withTable(readme, app.readme, await app.rows());
  if (next === readme) continue;
  if (check) {
    stale += 1;
    process.stderr.write(`${app.readme}: the environment table differs from the config schema\n`);
  } else {
    writeFileSync(file, next);
    process.stdout.write(`${app.readme}: environment table written\n`);
  }
}
if (stale > 0) {
  process.stderr.write('run: pnpm build && node scripts/env-tables.mjs\n');
  process.exitCode = 1;
}
