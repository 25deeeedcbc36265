// the five public packages as another team gets them: packed like a publish, installed with npm into
// an empty folder outside the workspace, then used there: types, require(), both CLIs, and a ten-line
// Koa app that takes a delivery from omni-mock, runs its handler, closes its store and exits by itself
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const workspace = fileURLToPath(new URL('../', import.meta.url));
const PUBLIC_PACKAGES = [
  'packages/schema',
  'packages/contract',
  'packages/sqlite',
  'apps/receiver',
  'apps/mock-sender',
];
const secret = 'tarball-secret-0123456789';

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
}

const consumerTs = `
import { parseWebhookEvent, type WebhookEventOf } from '@omni-webhooks/schema';
import { createFakeEvent } from '@omni-webhooks/schema/fixtures';

const lead: WebhookEventOf<'lead.created'> = createFakeEvent('lead.created');
const leadId: string = lead.data.leadId;
// @ts-expect-error: the types are real, not any
const wrong: number = lead.data.leadId;
const event = parseWebhookEvent(lead);
if (event.event === 'document.received') event.document.signedUrl.toUpperCase();
export const used = [leadId, wrong];
`;

const consumerCjs = `
const { safeParseWebhookEvent, WEBHOOK_EVENT_TYPES } = require('@omni-webhooks/schema');
const { createFakeEvent } = require('@omni-webhooks/schema/fixtures');
const schemaFile = require.resolve('@omni-webhooks/schema/json-schema/webhook-event.schema.json');
const parsed = safeParseWebhookEvent(createFakeEvent('document.received'), { mode: 'strict' });
process.stdout.write(JSON.stringify({ success: parsed.success, types: WEBHOOK_EVENT_TYPES.length, schemaFile }));
`;

// the schema's fixtures and msw entries from the tarball: a journey plan, its documents downloaded
// through the msw handlers with the declared size and type
const documentsMjs = `
import { setupServer } from 'msw/node';
import { builtInScenario, createFakeEvent, createScenarioPlan } from '@omni-webhooks/schema/fixtures';
import { omniDocumentHandlers } from '@omni-webhooks/schema/msw';
const server = setupServer(...omniDocumentHandlers);
server.listen({ onUnhandledRequest: 'error' });
const plan = createScenarioPlan(builtInScenario('lead-journey'), { leads: 3, seed: 1 });
const documents = plan.deliveries.flatMap((d) => (d.event.event === 'document.received' ? [d.event.document] : []));
documents.push(createFakeEvent('document.received', undefined, { seed: 2 }).document);
const served = [];
for (const document of documents) {
  const response = await fetch(document.signedUrl);
  const bytes = new Uint8Array(await response.arrayBuffer());
  served.push(response.status === 200 && bytes.length === document.size && response.headers.get('content-type') === document.mimeType);
}
server.close();
process.stdout.write(JSON.stringify({ journeys: plan.journeys.length, documents: documents.length > 3, served: served.every(Boolean) }));
`;

// the receiver README's recipe, cut to ten lines
const koaApp = `import Koa from 'koa';
import { createSqliteInboxStore, createWebhookReceiver } from '@omni-webhooks/receiver';
const store = createSqliteInboxStore({ filename: process.argv[2] });
await store.migrate();
let handled; const done = new Promise((resolve) => { handled = resolve; });
const receiver = createWebhookReceiver({ store, auth: { secrets: [process.env.WEBHOOK_SECRET] } }).on('lead.created', async (event) => handled(event.data.leadId));
const server = new Koa().use(receiver).listen(0, '127.0.0.1', () => console.log(\`listening \${server.address().port}\`));
receiver.start();
console.log(\`handled \${await done}\`);
await new Promise((resolve) => server.close(resolve)); await receiver.stop(5000); await store.close(); console.log('closed');
`;

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('packed packages installed with npm outside the workspace', () => {
  let root = '';
  let app = '';
  const tarballs = new Map<string, string>();
  let childApp: ChildProcess | undefined;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'omni-webhooks-tarballs-'));
    const packs = join(root, 'tarballs');
    app = join(root, 'app');
    await mkdir(packs);
    await mkdir(app);
    const dependencies: Record<string, string> = {};
    for (const dir of PUBLIC_PACKAGES) {
      // dist is built by turbo before tests (^build); the prepack build would rewrite it under other tests
      const { stdout } = await run('pnpm', ['pack', '--ignore-scripts', '--pack-destination', packs], {
        cwd: join(workspace, dir),
      });
      const tarball = stdout.trim().split('\n').at(-1) ?? '';
      const { name } = JSON.parse(
        await readFile(join(workspace, dir, 'package.json'), 'utf8'),
      ) as PackageJson;
      tarballs.set(name, tarball);
      dependencies[name] = `file:${tarball}`;
    }
    const receiver = JSON.parse(
      await readFile(join(workspace, 'apps/receiver/package.json'), 'utf8'),
    ) as PackageJson;
    dependencies.koa = receiver.dependencies?.koa ?? '^3';
    // the schema's msw entry needs its optional peer
    const schema = JSON.parse(await readFile(join(workspace, 'packages/schema/package.json'), 'utf8')) as {
      peerDependencies?: Record<string, string>;
    };
    dependencies.msw = schema.peerDependencies?.msw ?? '^2';
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({ name: 'tarball-consumer', private: true, type: 'module', dependencies }),
    );
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: app,
      timeout: 240_000,
    });
  }, 300_000);

  afterAll(async () => {
    if (childApp?.exitCode === null) childApp.kill('SIGKILL');
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('packs each public package with real versions in place of workspace:*', async () => {
    expect([...tarballs.keys()].sort()).toEqual([
      '@omni-webhooks/contract',
      '@omni-webhooks/mock-sender',
      '@omni-webhooks/receiver',
      '@omni-webhooks/schema',
      '@omni-webhooks/sqlite',
    ]);
    for (const [name, tarball] of tarballs) {
      const { stdout } = await run('tar', ['-xOzf', tarball, 'package/package.json']);
      const manifest = JSON.parse(stdout) as PackageJson;
      const internal = Object.entries(manifest.dependencies ?? {}).filter(([dep]) =>
        dep.startsWith('@omni-webhooks/'),
      );
      for (const [dep, range] of internal) {
        const { version } = JSON.parse(
          await readFile(join(app, 'node_modules', dep, 'package.json'), 'utf8'),
        ) as PackageJson;
        expect(`${name} -> ${dep}@${range}`).toBe(`${name} -> ${dep}@${version}`);
      }
      const { stdout: files } = await run('tar', ['-tzf', tarball]);
      expect(files.split('\n')).toEqual(
        expect.arrayContaining(['package/README.md', 'package/CHANGELOG.md']),
      );
    }
  });

  for (const [label, compilerOptions] of [
    ['nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
  ] as const) {
    it(`compiles the schema types under moduleResolution ${label}`, async () => {
      await writeFile(join(app, 'consumer.ts'), consumerTs);
      const tsconfig = join(app, `tsconfig.${label}.json`);
      await writeFile(
        tsconfig,
        JSON.stringify({
          compilerOptions: { ...compilerOptions, target: 'es2022', strict: true, noEmit: true, types: [] },
          files: ['consumer.ts'],
        }),
      );
      const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
      const result = await run(process.execPath, [tsc, '-p', tsconfig]).catch(
        (error: { stdout: string }) => error,
      );
      expect(result.stdout).toBe('');
    });
  }

  it('requires the schema from CommonJS', async () => {
    await writeFile(join(app, 'consumer.cjs'), consumerCjs);
    const { stdout, stderr } = await run(process.execPath, ['consumer.cjs'], { cwd: app });
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual({
      success: true,
      types: 7,
      schemaFile: join(app, 'node_modules/@omni-webhooks/schema/json-schema/webhook-event.schema.json'),
    });
  });

  it('plays a journey from the fixtures entry and downloads its documents through the msw entry', async () => {
    await writeFile(join(app, 'documents.mjs'), documentsMjs);
    const { stdout, stderr } = await run(process.execPath, ['documents.mjs'], { cwd: app });
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual({ journeys: 3, documents: true, served: true });
  }, 60_000);

  it('runs npx omni-contract --help and npx omni-mock --help', async () => {
    const contract = await run('npx', ['--no', '--', 'omni-contract', '--help'], { cwd: app });
    expect(contract.stdout).toMatch(/^Usage: omni-contract .*\n[\s\S]*verify/);
    const mock = await run('npx', ['--no', '--', 'omni-mock', '--help'], { cwd: app });
    expect(mock.stdout).toMatch(/^Usage: omni-mock .*\n[\s\S]*send/);
  });

  it('mounts the receiver in a ten-line Koa app that takes a delivery, runs its handler and exits by itself', async () => {
    await writeFile(join(app, 'app.mjs'), koaApp);
    expect(koaApp.trim().split('\n')).toHaveLength(10);
    const child = spawn(process.execPath, ['app.mjs', join(root, 'inbox.sqlite')], {
      cwd: app,
      env: { PATH: process.env.PATH ?? '', WEBHOOK_SECRET: secret },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    childApp = child;
    const exited = exitOf(child);
    let stdout = '';
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        const match = /listening (\d+)/.exec(stdout);
        if (match?.[1]) resolve(match[1]);
      });
      exited.then((code) => reject(new Error(`the app exited (${code}) before listening: ${stderr}`)));
    });
    const sent = await run(
      'npx',
      [
        '--no',
        '--',
        'omni-mock',
        'send',
        'lead.created',
        '--url',
        `http://127.0.0.1:${port}/webhooks/omniai`,
        '--secret',
        secret,
      ],
      { cwd: app },
    );
    expect(sent.stdout).toMatch(/\b200\b/);
    // nothing keeps the app's loop alive once its store is closed: it must exit 0, not 13 (pending close)
    const code = await Promise.race([
      exited,
      new Promise<string>((resolve) => setTimeout(() => resolve('still running after 20 s'), 20_000).unref()),
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/handled \S+\nclosed\n$/);
  }, 60_000);
});
