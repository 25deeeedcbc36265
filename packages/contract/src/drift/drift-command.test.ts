import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtures } from '@omni-webhooks/schema/fixtures';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIFT_EXIT, registerDriftCommand, runDrift } from './drift-command.js';

const dir = mkdtempSync(join(tmpdir(), 'omni-drift-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (text: string) => out.push(text) },
      stderr: { write: (text: string) => err.push(text) },
    },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

const lead = fixtures.find((fixture) => fixture.type === 'lead.created')?.event;
const drifted = [
  { ...lead, data: { leadId: 'l1', source: 'zapier', score: 7 } },
  { ...lead, data: { leadId: 'l2', source: 'zapier', score: 9 } },
  { event: 'lead.archived', data: { leadId: 'l3' } },
];
// as GET /events/export writes them: the raw body in `body`
const captured = drifted
  .map((event, n) =>
    JSON.stringify({
      id: `e${n}`,
      type: event.event,
      receivedAt: `2026-01-0${n + 1}T00:00:00.000Z`,
      body: JSON.stringify(event),
    }),
  )
  .join('\n');

describe('omni-contract drift --from', () => {
  it('reports each drift row grouped by event, with a suggestion, and exits 1 without an allow-list', async () => {
    const capture = file('captured.jsonl', `${captured}\n`);
    const run = io();
    expect(await runDrift({ from: capture }, run.io)).toBe(DRIFT_EXIT.drift);
    const text = run.stdout();
    expect(text).toContain('3 drift row(s), 3 not accepted');
    expect(text).toMatch(/lead\.archived\n {2}DRIFT {5}event {2}unknown_event/);
    expect(text).toMatch(
      /lead\.created\n(.*\n)*.*data\.source {2}new_enum_value: new value "zapier"; example "zapier"; 2 event\(s\), last 2026-01-02/,
    );
    expect(text).toContain('suggest: add "zapier" to the known values of data.source');
    expect(text).toContain('suggest: add `score: z.number().optional()` to the object at data');
  });

  it('skips export lines the receiver rejected, as its radar does, and keeps plain event lines', async () => {
    const rejected = JSON.stringify({
      id: 'r1',
      type: 'lead.created',
      status: 'rejected',
      body: JSON.stringify({ ...lead, data: { leadId: 'r1', source: 'zapier', score: 'high' } }),
    });
    const plain = JSON.stringify({ ...lead, data: { leadId: 'p1', source: 'zapier', score: 3 } });
    const capture = file('with-rejected.jsonl', `${captured}\n${rejected}\n${plain}\n`);
    const run = io();
    await runDrift({ from: capture, json: true }, run.io);
    const rows = (JSON.parse(run.stdout()) as { drift: { path: string; count: number }[] }).drift;
    expect(rows.find((row) => row.path === 'data.source')?.count).toBe(3);
    expect(rows.find((row) => row.path === 'data.score')?.count).toBe(3);
  });

  it('exits 0 when the allow-list covers every row, and 1 when one is left out', async () => {
    const capture = file('captured2.jsonl', captured);
    const all = file(
      'accept-all.json',
      JSON.stringify({
        accepted: [
          { event: 'lead.created', path: 'data.source', kind: 'new_enum_value', reason: 'zapier leads' },
          { event: '*', path: 'data.score' },
          { event: 'lead.archived', path: 'event' },
        ],
      }),
    );
    const partial = file(
      'accept-some.json',
      JSON.stringify({ accepted: [{ event: '*', path: 'data.score' }] }),
    );
    const covered = io();
    expect(await runDrift({ from: capture, accept: all }, covered.io)).toBe(DRIFT_EXIT.clean);
    expect(covered.stdout()).toContain('0 not accepted');
    expect(covered.stdout()).not.toContain('suggest:');
    expect(await runDrift({ from: capture, accept: partial }, io().io)).toBe(DRIFT_EXIT.drift);
    // a kind that does not match leaves the row open
    const wrongKind = file(
      'accept-kind.json',
      JSON.stringify({ accepted: [{ event: '*', path: 'data.source', kind: 'unknown_field' }] }),
    );
    const json = io();
    await runDrift({ from: capture, accept: wrongKind, json: true }, json.io);
    const report = JSON.parse(json.stdout()) as {
      notAccepted: number;
      drift: { path: string; accepted: boolean }[];
    };
    expect(report.notAccepted).toBe(3);
    expect(report.drift.find((row) => row.path === 'data.source')?.accepted).toBe(false);
  });

  it('finds no drift in the published examples, one event json per line', async () => {
    const capture = file(
      'published.jsonl',
      fixtures.map((fixture) => JSON.stringify(fixture.event)).join('\n'),
    );
    const run = io();
    expect(await runDrift({ from: capture }, run.io)).toBe(DRIFT_EXIT.clean);
    expect(run.stdout()).toContain('0 drift row(s)');
  });

  it('exits 2 with a message on bad input', async () => {
    const cases: [Parameters<typeof runDrift>[0], RegExp][] = [
      [{}, /either --url .* or --from/],
      [{ from: join(dir, 'nope.jsonl') }, /cannot read --from/],
      [{ from: file('bad.jsonl', '{"event":"lead.created"}\nnot json\n') }, /line 2 is not JSON/],
      [
        { from: file('ok.jsonl', captured), accept: file('bad-accept.json', '{"accepted":[{"path":"x"}]}') },
        /accepted\[0\] needs "event"/,
      ],
      [{ url: 'ftp://x', token: 't' }, /must be an http\(s\) URL/],
      [{ url: 'http://127.0.0.1:1' }, /no admin token/],
    ];
    for (const [options, message] of cases) {
      const run = io();
      expect(await runDrift(options, run.io)).toBe(DRIFT_EXIT.input);
      expect(run.stderr()).toMatch(message);
    }
  });
});

describe('omni-contract drift --url', () => {
  let server: Server;
  let url: string;
  const rows = [
    {
      event: 'lead.created',
      path: 'data.source',
      kind: 'new_enum_value',
      expected: 'inbound-email, api',
      seen: 'zapier',
      example: 'zapier',
      count: 12,
      firstSeen: '2026-01-01T00:00:00.000Z',
      lastSeen: '2026-01-02T00:00:00.000Z',
    },
  ];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const authorized = request.headers.authorization === 'Bearer admin-token-0123456789';
      response.statusCode = authorized ? 200 : 401;
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify(authorized && request.url === '/drift?limit=10000' ? { drift: rows } : { error: {} }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("reads the receiver's GET /drift with the admin token", async () => {
    const run = io();
    expect(await runDrift({ url, token: 'admin-token-0123456789', json: true }, run.io)).toBe(
      DRIFT_EXIT.drift,
    );
    expect(JSON.parse(run.stdout())).toMatchObject({
      source: url,
      notAccepted: 1,
      drift: [{ ...rows[0], accepted: false, suggestion: expect.stringContaining('"zapier"') }],
    });
    const accept = file(
      'accept-url.json',
      JSON.stringify({ accepted: [{ event: 'lead.created', path: 'data.source' }] }),
    );
    expect(await runDrift({ url, token: 'admin-token-0123456789', accept }, io().io)).toBe(DRIFT_EXIT.clean);
  });

  it('leaves out rows not seen since --since', async () => {
    const later = io();
    expect(await runDrift({ url, token: 'admin-token-0123456789', since: '2026-01-03' }, later.io)).toBe(
      DRIFT_EXIT.clean,
    );
    expect(later.stdout()).toContain('0 drift row(s)');
    const earlier = { url, token: 'admin-token-0123456789', since: '2026-01-01T12:00:00Z' };
    expect(await runDrift(earlier, io().io)).toBe(DRIFT_EXIT.drift);
    expect(await runDrift({ ...earlier, since: 'last tuesday' }, io().io)).toBe(DRIFT_EXIT.input);
  });

  it('exits 2 naming the token when the receiver refuses it', async () => {
    const run = io();
    expect(await runDrift({ url, token: 'wrong' }, run.io)).toBe(DRIFT_EXIT.input);
    expect(run.stderr()).toContain('answered 401: check --token');
  });

  it('is a command of the program, taking the token from ADMIN_TOKEN', async () => {
    const run = io();
    const program = new Command('omni-contract').exitOverride();
    registerDriftCommand(program, run.io);
    const previous = { token: process.env.ADMIN_TOKEN, exitCode: process.exitCode };
    process.env.ADMIN_TOKEN = 'admin-token-0123456789';
    try {
      await program.parseAsync(['drift', '--url', url], { from: 'user' });
      expect(process.exitCode).toBe(DRIFT_EXIT.drift);
      expect(run.stdout()).toContain('data.source');
    } finally {
      if (previous.token === undefined) delete process.env.ADMIN_TOKEN;
      else process.env.ADMIN_TOKEN = previous.token;
      process.exitCode = previous.exitCode;
    }
  });
});

describe('omni-contract drift --url against a hostile answer', () => {
  let server: Server;
  let url: string;
  let redirectedTo = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url?.startsWith('/endless/')) {
        // an answer that never ends: chunks for as long as the client reads
        response.setHeader('content-type', 'application/json');
        response.write('{"drift":[');
        const timer = setInterval(() => response.write(`${'{"event":"x"},'.repeat(1000)}`), 1);
        response.on('close', () => clearInterval(timer));
        return;
      }
      if (request.url?.startsWith('/moved/')) {
        response.writeHead(302, {
          location: `http://127.0.0.1:${(server.address() as AddressInfo).port}/elsewhere/drift`,
        });
        response.end();
        return;
      }
      redirectedTo += 1;
      response.end('{"drift":[]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('stops reading an endless answer at the bound and exits 2 saying so', async () => {
    const run = io();
    const options = { url: `${url}/endless/`, token: 'admin-token-0123456789', maxBytes: 256 * 1024 };
    expect(await runDrift(options, run.io)).toBe(DRIFT_EXIT.input);
    expect(run.stderr()).toMatch(/answered more than 262144 bytes: not read further/);
  });

  it('does not follow a redirect, and exits 2 naming it', async () => {
    const run = io();
    expect(await runDrift({ url: `${url}/moved/`, token: 'admin-token-0123456789' }, run.io)).toBe(
      DRIFT_EXIT.input,
    );
    expect(run.stderr()).toMatch(/answered 302 to .*\/elsewhere\/drift: redirects are not followed/);
    expect(redirectedTo).toBe(0);
  });
});
