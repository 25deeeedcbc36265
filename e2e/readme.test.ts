import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SUMMARY_LINES } from '@omni-webhooks/mock-sender';
import { parseScenario, TRAFFIC_KNOBS } from '@omni-webhooks/schema/fixtures';
import { describe, expect, test } from 'vitest';

// the root README is the newcomer's map: every root command on it, the environment one link away
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const envTables = new URL('../scripts/env-tables.mjs', import.meta.url);
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

  test('points at the app READMEs for the environment, whose tables the config schemas generate', () => {
    expect(readme).toContain('apps/receiver/README.md#environment');
    expect(readme).toContain('apps/mock-sender/README.md#configuration');
    // exit 1 with the stale README named when a table differs from its schema
    const check = spawnSync(process.execPath, [fileURLToPath(envTables), '--check'], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  test('gives the two-command quick start with the pinned pnpm', () => {
    expect(readme).toContain(
      `npm install -g ${rootPackage.packageManager} && pnpm install && pnpm start\npnpm test\n`,
    );
  });

  test('plays realistic traffic with a scenario file that is valid, every knob and every summary line', () => {
    const section = readme.slice(readme.indexOf('## Play realistic traffic in staging'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(yaml).toBeDefined();
    expect(parseScenario(yaml ?? '', 'README.md').steps.length).toBeGreaterThan(0);
    for (const { flag } of Object.values(TRAFFIC_KNOBS)) expect(section).toContain(`\`${flag}\``);
    const summary = /```\n(scenario [\s\S]*?)```/.exec(section)?.[1] ?? '';
    for (const line of SUMMARY_LINES) expect(summary).toMatch(new RegExp(`^ +${line} {2,}\\S`, 'm'));
  });
});
