import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyWebhookSignature } from '@omni-webhooks/contract';
import {
  BUILT_IN_SCENARIOS,
  builtInScenario,
  createScenarioPlan,
  TRAFFIC_KNOB_NAMES,
  TRAFFIC_KNOBS,
} from '@omni-webhooks/schema/fixtures';
import { afterEach, describe, expect, it } from 'vitest';
import { SUMMARY_LINES } from '../scenarios/scenario-summary.js';
import { runOmniMock } from '../test-support/omni-mock-run.js';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';
import { INPUT_ERROR_EXIT_CODE } from './cli-io.js';
import { knobTableMarkdown } from './knob-options.js';

let receiver: TestReceiver | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'omni-mock-scenario-'));
  dirs.push(dir);
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const FAST = ['--speed', '1000000', '--seed', '3'];
const START = '2025-11-03T09:00:00.000Z';

// six problems, more than a ScenarioFileError message shows: each must be printed
const BAD_FILE = `name: broken
speed: 0
duplicates: 2
steps:
  - id: lead
    event: lead.created
    colour: red
  - event: lead.exploded
  - event: document.received
    repeat: -1
  - event: lead.completed
    wait: soon
`;
const BAD_PATHS = [
  'speed',
  'duplicates',
  'steps[0].colour',
  'steps[1].event',
  'steps[2].repeat',
  'steps[3].wait',
];

// problems the format finds once the shape is right: references and ids
const BAD_LINKS = `name: links
steps:
  - id: lead
    event: lead.created
  - event: document.extracted
    forEach: docs
  - id: lead
    event: lead.completed
`;

describe('omni-mock scenario', () => {
  it('plays a built-in to the URL and exits 0 with the summary when every delivery succeeded', async () => {
    receiver = await startTestReceiver();
    const args = ['--leads', '3', '--duplicates', '0.3', '--start-at', START, ...FAST];
    const { code, stdout, stderr } = await runOmniMock([
      'scenario',
      'lead-journey',
      '--url',
      receiver.url,
      ...args,
    ]);
    expect(code, stderr).toBe(0);
    const plan = createScenarioPlan(builtInScenario('lead-journey'), {
      leads: 3,
      duplicates: 0.3,
      speed: 1_000_000,
      seed: 3,
      startAtMs: Date.parse(START),
    });
    expect(receiver.requests.map((request) => request.body).sort()).toEqual(
      plan.deliveries.map((delivery) => delivery.body).sort(),
    );
    expect(stdout).toMatch(/^playing lead-journey: 3 journeys, \d+ deliveries \(\d+ duplicates\)/);
    for (const label of SUMMARY_LINES) expect(stdout).toContain(`  ${label}`);
    expect(stdout).toMatch(
      new RegExp(`deliveries\\s+${plan.deliveries.length} of ${plan.deliveries.length} planned`),
    );
    expect(stdout).toMatch(new RegExp(`duplicates sent\\s+${plan.duplicates}\\n`));
    // not a terminal: a progress line every twentieth, on stderr
    expect(stderr).toMatch(
      new RegExp(`progress ${plan.deliveries.length}/${plan.deliveries.length} deliveries \\(100 %\\)`),
    );
  });

  it('exits 1 when a delivery failed after its 4 attempts, naming it', async () => {
    receiver = await startTestReceiver((_, request) =>
      request.body.includes('"lead.completed"') ? 500 : 200,
    );
    const { code, stdout } = await runOmniMock([
      'scenario',
      'lead-journey',
      '--url',
      receiver.url,
      '--time-scale',
      '0.0001',
      ...FAST,
    ]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^failed: #\d+ lead\.completed of lead \S+ after 4\/4 attempts \(HTTP 500\)$/m);
    expect(stdout).toMatch(/ {2}failed\s+1\n/);
    expect(receiver.requests.filter((request) => request.body.includes('"lead.completed"'))).toHaveLength(4);
  });

  it("signs with --sign --signing-key and keeps a duplicate's webhook-id", async () => {
    const key = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    receiver = await startTestReceiver();
    const { code } = await runOmniMock(
      ['scenario', 'document-burst', '--url', receiver.url, '--sign', '--duplicates', '1', ...FAST],
      { env: { WEBHOOK_SIGNING_KEY: key } },
    );
    expect(code).toBe(0);
    const ids = new Map<string, string[]>();
    for (const request of receiver.requests) {
      expect(
        verifyWebhookSignature({ headers: request.headers, body: request.body, secrets: [key] }),
      ).toMatchObject({
        ok: true,
      });
      const id = String(request.headers['webhook-id']);
      ids.set(id, [...(ids.get(id) ?? []), request.body]);
    }
    expect([...ids.values()].every((bodies) => bodies.length === 2 && bodies[0] === bodies[1])).toBe(true);
  });

  it('prints the summary as JSON with --json, and nothing else on stdout', async () => {
    receiver = await startTestReceiver();
    const { code, stdout } = await runOmniMock([
      'scenario',
      'lead-journey',
      '--url',
      receiver.url,
      '--leads',
      '2',
      '--json',
      ...FAST,
    ]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({
      scenario: 'lead-journey',
      journeys: 2,
      deliveries: receiver.requests.length,
      planned: receiver.requests.length,
      failed: 0,
      retried: 0,
      firstAttemptSuccesses: receiver.requests.length,
      duplicates: 0,
      outOfOrder: 0,
      answerMs: { p50: expect.any(Number), p95: expect.any(Number), p99: expect.any(Number) },
    });
  });

  it('draws a progress bar when stderr is a terminal', async () => {
    receiver = await startTestReceiver();
    const { code, stderr } = await runOmniMock(['scenario', 'lead-journey', '--url', receiver.url, ...FAST], {
      stderrIsTTY: true,
    });
    expect(code).toBe(0);
    expect(stderr).toMatch(/\d+\/\d+ deliveries \| 0 in flight \| 0 failed/);
    expect(stderr).not.toContain('progress ');
  });

  it('lists the built-ins, a line each', async () => {
    const { code, stdout } = await runOmniMock(['scenario', '--list']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.map((line) => line.split(/\s+/)[0])).toEqual([...BUILT_IN_SCENARIOS]);
    expect(lines[0]).toContain(builtInScenario('lead-journey').description);
  });

  it('validates a file: 0 and a line for a good one, 2 and every problem with its path for a bad one', async () => {
    const good = file(
      'good.yaml',
      'name: good\nsteps:\n  - event: lead.created\n  - event: lead.completed\n',
    );
    expect(await runOmniMock(['scenario', '--validate', good])).toMatchObject({
      code: 0,
      stdout: `${good}: valid scenario good (2 steps)\n`,
    });
    const bad = file('bad.yaml', BAD_FILE);
    const { code, stderr } = await runOmniMock(['scenario', '--validate', bad]);
    expect(code).toBe(INPUT_ERROR_EXIT_CODE);
    expect(stderr).toContain(`${bad}: invalid scenario`);
    const printed = (text: string, path: string) =>
      expect(text).toMatch(new RegExp(`^ {2}${path.replace(/[[\].]/g, '\\$&')}: `, 'm'));
    for (const path of BAD_PATHS) printed(stderr, path);
    const links = await runOmniMock(['scenario', '--validate', file('links.yaml', BAD_LINKS)]);
    expect(links.code).toBe(INPUT_ERROR_EXIT_CODE);
    for (const path of ['steps[1].forEach', 'steps[2].id']) printed(links.stderr, path);
    // a problem only the plan finds: an override that breaks the event
    const breaking = file(
      'breaking.json',
      JSON.stringify({
        name: 'b',
        steps: [{ event: 'document.received', overrides: { document: { size: 'big' } } }],
      }),
    );
    const planned = await runOmniMock(['scenario', '--validate', breaking]);
    expect(planned.code).toBe(INPUT_ERROR_EXIT_CODE);
    expect(planned.stderr).toMatch(/^ {2}steps\[0\]\.overrides\.document\.size: /m);
  });

  it('refuses a bad file, an unknown name, a knob out of range or no --url with 2, before sending anything', async () => {
    receiver = await startTestReceiver();
    const url = ['--url', receiver.url];
    const bad = await runOmniMock(['scenario', file('bad.yaml', BAD_FILE), ...url]);
    expect(bad.code).toBe(INPUT_ERROR_EXIT_CODE);
    expect(bad.stderr).toMatch(/^ {2}steps\[3\]\.wait: /m);
    const unknown = await runOmniMock(['scenario', 'lead-odyssey', ...url]);
    expect(unknown).toMatchObject({
      code: INPUT_ERROR_EXIT_CODE,
      stderr: expect.stringMatching(/cannot read scenario lead-odyssey.*built-ins: lead-journey/),
    });
    for (const name of TRAFFIC_KNOB_NAMES) {
      const { flag } = TRAFFIC_KNOBS[name];
      for (const value of ['-1', 'many', String((TRAFFIC_KNOBS[name].schema.maxValue ?? 0) * 10 + 1)]) {
        const { code, stderr } = await runOmniMock(['scenario', 'lead-journey', ...url, flag, value]);
        expect(code, `${flag} ${value}`).toBe(INPUT_ERROR_EXIT_CODE);
        expect(stderr).toContain(flag);
      }
    }
    expect((await runOmniMock(['scenario', 'lead-journey'])).stderr).toMatch(/--url/);
    expect((await runOmniMock(['scenario', '--url', receiver.url])).code).toBe(INPUT_ERROR_EXIT_CODE);
    expect(
      (await runOmniMock(['scenario', 'lead-journey', ...url, '--start-at', 'yesterday'])).stderr,
    ).toMatch(/--start-at.*ISO date-time/);
    expect(receiver.requests).toEqual([]);
  });

  it("has a flag per traffic knob, and the README's knob table is the one generated from TRAFFIC_KNOBS", async () => {
    const { stdout } = await runOmniMock(['scenario', '--help']);
    for (const name of TRAFFIC_KNOB_NAMES) expect(stdout).toContain(TRAFFIC_KNOBS[name].flag);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = /<!-- knobs:start[^>]*-->\n\n([\s\S]*?)\n\n<!-- knobs:end -->/.exec(readme)?.[1];
    expect(table, 'run the README update: the table below is generated').toBe(knobTableMarkdown());
    for (const label of SUMMARY_LINES) expect(readme).toContain(`  ${label}`);
  });
});
