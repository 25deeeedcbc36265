// the Go and Python kits against zod, case by case: every example, 50 seeded fakes per event, the drift
// corpus and the mutants of every example, parsed lenient and strict by each kit (one go test process
// and one python process); the verdicts must be zod's, and what a kit accepts must marshal back to the
// same JSON
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual, promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { isWebhookEventType } from '../event-types.js';
import { safeParseWebhookEvent } from '../parse.js';
import type { ValidationMode } from '../schema-builder.js';
import { caseSources } from '../test-support/exported-cases.js';
import { type KitLanguage, type KitVerdict, packageRoot, runKit } from '../test-support/kit-runner.js';

const FAKES_PER_EVENT = 50;
const LANGUAGES = ['go', 'python'] as const satisfies readonly KitLanguage[];
const MODES = ['lenient', 'strict'] as const satisfies readonly ValidationMode[];

const exported = caseSources(FAKES_PER_EVENT).map((source, index) => ({
  // ids repeat where two mutations give the same name: the index keeps them apart
  id: `${source.id} #${index}`,
  kind: source.id.split(' ')[0] ?? '',
  body: JSON.stringify(source.instance),
}));

// integers as JSON may also write them (1.0, 1e2): the same value to zod, which JSON.parse reads
const numberForms = exported
  .filter((source) => source.kind === 'example')
  .flatMap((source) =>
    [
      ['as n.0', (digits: string) => `${digits}.0`],
      ['in exponent form', (digits: string) => `${digits}e0`],
    ].map(([name, write]) => ({
      id: `${source.id.replace(/^example/, 'number-form')} ${name}`,
      kind: 'number-form',
      body: source.body.replace(/(?<=:)(\d+)(?=[,}\]])/g, (digits) =>
        (write as (d: string) => string)(digits),
      ),
    })),
  )
  .filter((source) => /\d(\.0|e0)/.test(source.body));

const sources = [...exported, ...numberForms].map((source) => ({
  ...source,
  instance: JSON.parse(source.body) as unknown,
}));

function isUnknownEventName(instance: unknown): boolean {
  if (typeof instance !== 'object' || instance === null || Array.isArray(instance)) return false;
  const name = (instance as { event?: unknown }).event;
  return typeof name === 'string' && !isWebhookEventType(name);
}

/** what is wrong with a kit's verdict on one case in one mode, or undefined */
function problem(
  instance: unknown,
  mode: ValidationMode,
  verdict: KitVerdict | undefined,
): string | undefined {
  if (!verdict) return 'no verdict';
  const zod = safeParseWebhookEvent(instance, { mode });
  const unknownName = mode === 'lenient' && isUnknownEventName(instance);
  const shouldAccept = zod.success || unknownName;
  if (verdict.ok !== shouldAccept) {
    const zodSays = zod.success
      ? 'accepts'
      : `refuses (${zod.error.issues.map((i) => i.path.join('.')).join(', ')})`;
    return `zod ${zodSays}; the kit ${verdict.ok ? 'accepts' : `refuses: ${verdict.error}`}`;
  }
  if (!verdict.ok) return undefined;
  if (Boolean(verdict.unknown) !== unknownName) return `unknown event: expected ${unknownName}`;
  if (verdict.type !== (instance as { event: string }).event) return `event type ${verdict.type}`;
  const back: unknown = JSON.parse(verdict.json ?? 'null');
  if (!isDeepStrictEqual(back, instance)) return `round trip changed the payload: ${verdict.json}`;
  return undefined;
}

describe.each(LANGUAGES)('the %s kit and zod', async (language) => {
  const report = await runKit(language, {
    cases: sources.map((source) => ({ id: source.id, body: source.body })),
  });
  const results = new Map(report.cases.map((result) => [result.id, result]));
  const byKind = new Map<
    string,
    { cases: number; accepted: Record<ValidationMode, number>; problems: string[] }
  >();
  for (const source of sources) {
    const tally = byKind.get(source.kind) ?? { cases: 0, accepted: { lenient: 0, strict: 0 }, problems: [] };
    tally.cases += 1;
    for (const mode of MODES) {
      const verdict = results.get(source.id)?.[mode];
      if (verdict?.ok) tally.accepted[mode] += 1;
      const found = problem(source.instance, mode, verdict);
      if (found) tally.problems.push(`${source.id} (${mode}): ${found}`);
    }
    byKind.set(source.kind, tally);
  }

  afterAll(() => {
    const summary = [...byKind].map(
      ([kind, t]) =>
        `${t.cases} ${kind} (lenient ${t.accepted.lenient} / strict ${t.accepted.strict} accepted)`,
    );
    process.stdout.write(
      `${language} kit (${report.runtime}): ${sources.length} cases, both modes: ${summary.join(', ')}\n`,
    );
  });

  it(`returns a verdict for every case (${sources.length})`, () => {
    expect(report.cases.map((result) => result.id)).toEqual(sources.map((source) => source.id));
  });

  for (const [kind, tally] of byKind) {
    it(`agrees with zod on every ${kind} case and round-trips what it accepts (${tally.cases}, both modes)`, () => {
      expect(tally.problems.slice(0, 20)).toEqual([]);
    });
  }

  it('accepts every example and fake in both modes; keeps every drift lenient and refuses it strict', () => {
    expect(byKind.get('number-form')?.cases).toBeGreaterThan(4);
    for (const kind of ['example', 'fake', 'number-form']) {
      const tally = byKind.get(kind);
      expect(tally?.accepted).toEqual({ lenient: tally?.cases, strict: tally?.cases });
    }
    expect(byKind.get('fake')?.cases).toBe(FAKES_PER_EVENT * 7);
    const drift = byKind.get('drift');
    expect(drift?.accepted).toEqual({ lenient: drift?.cases, strict: 0 });
    const mutants = byKind.get('mutant');
    expect(mutants?.accepted.strict).toBeGreaterThan(100);
    expect((mutants?.cases ?? 0) - (mutants?.accepted.lenient ?? 0)).toBeGreaterThan(100);
  });
});

describe('the Go kit sources', () => {
  it('are gofmt-clean and pass go vet', async () => {
    const run = promisify(execFile);
    const goDir = join(packageRoot, 'go');
    const { stdout } = await run('gofmt', ['-l', '.'], { cwd: goDir });
    expect(stdout.trim(), 'run gofmt -w on these').toBe('');
    await expect(run('go', ['vet', '.'], { cwd: goDir })).resolves.toBeDefined();
  });
});

describe('the README handlers', async () => {
  const readme = await readFile(join(packageRoot, 'README.md'), 'utf8');
  const block = (language: string) =>
    readme.match(new RegExp(`\`\`\`${language}\n([\\s\\S]*?)\`\`\``))?.[1] ?? '';
  const run = promisify(execFile);

  it('Go: is the handler example_test.go compiles and runs (go test)', async () => {
    const example = await readFile(join(packageRoot, 'go/example_test.go'), 'utf8');
    expect(block('go').length).toBeGreaterThan(100);
    expect(example).toContain(block('go'));
  });

  it('Python: answers 200 to a signed delivery, 401 to a tampered one, 400 to a payload that is no event', async () => {
    const key = Buffer.alloc(32, 7);
    const timestamp = Math.floor(Date.now() / 1000);
    const delivery = (body: string, signedBody = body) => ({
      headers: {
        'webhook-id': 'msg_readme',
        'webhook-timestamp': String(timestamp),
        'webhook-signature': `v1,${createHmac('sha256', key).update(`msg_readme.${timestamp}.${signedBody}`).digest('base64')}`,
      },
      body,
    });
    const event = JSON.stringify({
      event: 'document.received',
      workspaceId: 'w',
      document: { id: 'd', leadId: 'l', filename: 'a.pdf', signedUrl: 'https://files.example/a.pdf' },
    });
    const deliveries = [
      delivery(event),
      delivery(event, `${event} `),
      delivery('{"event":"lead.created","data":{}}'),
    ];
    const harness = `import json, sys
sys.path.insert(0, ${JSON.stringify(join(packageRoot, 'python'))})
SIGNING_KEYS = ["whsec_${key.toString('base64')}"]
fetched = []
fetch = fetched.append
${block('python')}
codes = [handle(d["headers"], d["body"].encode()) for d in json.loads(sys.argv[1])]
print(json.dumps({"codes": codes, "fetched": fetched}))
`;
    const { stdout } = await run('python3', ['-c', harness, JSON.stringify(deliveries)], {
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    expect(JSON.parse(stdout)).toEqual({ codes: [200, 401, 400], fetched: ['https://files.example/a.pdf'] });
  });
});
