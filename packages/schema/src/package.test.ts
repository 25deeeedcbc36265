// packs the package like a publish would, installs the tarball outside the workspace and uses it there.
// it compiles into a staged copy: the shared dist/ that other packages' tests read is never rewritten
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageRoot = fileURLToPath(new URL('../', import.meta.url));
const require = createRequire(import.meta.url);

const consumerTs = `
import { parseWebhookEvent, WEBHOOK_EVENT_TYPES, type WebhookEventOf } from '@omni-webhooks/schema';
import { createFakeEvent, fixtures } from '@omni-webhooks/schema/fixtures';

const lead: WebhookEventOf<'lead.created'> = createFakeEvent('lead.created', { data: { firstName: 'Ada' } });
const leadId: string = lead.data.leadId;
// @ts-expect-error: proves the types are real, not any
const wrong: number = lead.data.leadId;
const event = parseWebhookEvent(fixtures[0]?.event);
if (event.event === 'document.received') event.document.signedUrl.toUpperCase();
export const used = [leadId, wrong, WEBHOOK_EVENT_TYPES.length];
`;

const consumerMjs = `
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { safeParseWebhookEvent } from '@omni-webhooks/schema';
import { builtInScenario, createFakeEvent, createScenarioPlan, fixtures } from '@omni-webhooks/schema/fixtures';

const schemaUrl = import.meta.resolve('@omni-webhooks/schema/json-schema/webhook-event.schema.json');
const jsonSchema = JSON.parse(await readFile(fileURLToPath(schemaUrl), 'utf8'));
const openapiUrl = import.meta.resolve('@omni-webhooks/schema/openapi/webhooks.openapi.json');
const openapi = JSON.parse(await readFile(fileURLToPath(openapiUrl), 'utf8'));
const parsed = fixtures.map((fixture) => safeParseWebhookEvent(fixture.event, { mode: 'strict' }).success);
const fake = safeParseWebhookEvent(createFakeEvent('lead.completed', undefined, { seed: 1 })).success;
process.stdout.write(JSON.stringify({
  fixtures: parsed.length,
  allValid: parsed.every(Boolean) && fake,
  dialect: jsonSchema.$schema,
  webhooks: Object.keys(openapi.webhooks).length,
  burstDeliveries: createScenarioPlan(builtInScenario('document-burst'), { seed: 1 }).deliveries.length > 10,
}));
`;

// other packages import dist/index.js while tests run in parallel: its mtime shows a rewrite
async function sharedDistStamp(): Promise<number | undefined> {
  return (await stat(join(packageRoot, 'dist/index.js')).catch(() => undefined))?.mtimeMs;
}

describe('packed package', () => {
  let workDir = '';
  let tarball = '';
  let distStampBefore: number | undefined;

  beforeAll(async () => {
    distStampBefore = await sharedDistStamp();
    workDir = await mkdtemp(join(tmpdir(), 'omni-webhooks-schema-pack-'));
    const stageDir = join(workDir, 'stage');
    await mkdir(stageDir);
    for (const entry of ['package.json', 'README.md', 'json-schema', 'openapi', 'scenarios']) {
      await cp(join(packageRoot, entry), join(stageDir, entry), { recursive: true });
    }
    const tsc = require.resolve('typescript/bin/tsc');
    await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', join(stageDir, 'dist')], {
      cwd: packageRoot,
    });
    // the prepack build already ran above, into the stage
    await run('pnpm', ['pack', '--ignore-scripts', '--pack-destination', workDir], { cwd: stageDir });
    const [name] = (await readdir(workDir)).filter((file) => file.endsWith('.tgz'));
    if (!name) throw new Error('pnpm pack produced no tarball');
    tarball = join(workDir, name);
    // the dependencies (zod, faker, yaml) from the workspace store keep the install offline
    const { dependencies: runtime = {} } = JSON.parse(
      await readFile(join(packageRoot, 'package.json'), 'utf8'),
    ) as { dependencies?: Record<string, string> };
    const dependencies: Record<string, string> = { '@omni-webhooks/schema': `file:${tarball}` };
    for (const name of Object.keys(runtime)) {
      dependencies[name] = `file:${await realpath(join(packageRoot, 'node_modules', name))}`;
    }
    await writeFile(
      join(workDir, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies }),
    );
    await run(
      'npm',
      ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'],
      {
        cwd: workDir,
      },
    );
  }, 60_000);

  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('packs without rewriting the shared dist', async () => {
    expect(await sharedDistStamp()).toBe(distStampBefore);
  });

  it('ships dist, JSON Schema and OpenAPI files, and no tests or generator', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.split('\n').filter(Boolean);
    expect(files).toContain('package/dist/index.d.ts');
    expect(files).toContain('package/dist/fixtures/index.js');
    expect(files).toContain('package/json-schema/webhook-event.schema.json');
    expect(files).toContain('package/openapi/webhooks.openapi.json');
    expect(files).toContain('package/scenarios/lead-journey.yaml');
    expect(files).toContain('package/dist/msw/index.js');
    expect(files.filter((file) => /\.test(-d)?\.|generate\.js|test-support/.test(file))).toEqual([]);
  });

  it('type-checks a consumer importing its types and fixtures', async () => {
    const tsc = require.resolve('typescript/bin/tsc');
    await writeFile(join(workDir, 'consumer.ts'), consumerTs);
    await writeFile(
      join(workDir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: [] },
        files: ['consumer.ts'],
      }),
    );
    const result = await run(process.execPath, [tsc, '-p', workDir]).catch(
      (error: { stdout: string }) => error,
    );
    expect(result.stdout).toBe('');
  }, 30_000);

  it('runs fixtures, fakes and the JSON Schema from the tarball in plain node', async () => {
    await writeFile(join(workDir, 'consumer.mjs'), consumerMjs);
    const { stdout } = await run(process.execPath, [join(workDir, 'consumer.mjs')], { cwd: workDir });
    expect(JSON.parse(stdout)).toEqual({
      fixtures: 10,
      allValid: true,
      dialect: 'https://json-schema.org/draft/2020-12/schema',
      webhooks: 7,
      burstDeliveries: true,
    });
  });
});
