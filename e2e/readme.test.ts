import { readFileSync } from 'node:fs';
import { CONFIG_VARIABLES } from '@omni-webhooks/mock-sender';
import { receiverEnvSchema } from '@omni-webhooks/receiver';
import { describe, expect, test } from 'vitest';

// the root README is the newcomer's map: every command and variable the code has must be on it
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const rootPackage = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  scripts: object;
  packageManager: string;
};
const rootScripts = Object.keys(rootPackage.scripts);
const firstCells = readme
  .split('\n')
  .filter((line) => line.startsWith('|'))
  .map((line) => line.split('|')[1]?.trim() ?? '');

describe('root README', () => {
  test('lists every root script in the commands table', () => {
    for (const script of rootScripts) {
      expect(firstCells.some((cell) => cell.startsWith(`\`pnpm ${script}`))).toBe(true);
    }
  });

  test('lists every environment variable of both services', () => {
    const documented = firstCells.flatMap((cell) => cell.match(/`[A-Z_]+`/g) ?? []);
    for (const variable of [...Object.keys(receiverEnvSchema.shape), ...Object.keys(CONFIG_VARIABLES)]) {
      expect(documented).toContain(`\`${variable}\``);
    }
  });

  test('gives the two-command quick start with the pinned pnpm', () => {
    expect(readme).toContain(
      `npm install -g ${rootPackage.packageManager} && pnpm install && pnpm start\npnpm test\n`,
    );
  });
});
