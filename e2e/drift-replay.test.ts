import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fixtures } from '@omni-webhooks/schema/fixtures';
import { describe, expect, test } from 'vitest';
import { ADMIN_TOKEN, startReceiver, WEBHOOK_PATH } from './support/stack.js';
import { useServices } from './support/use-services.js';

const contractCli = fileURLToPath(new URL('../packages/contract/dist/cli.js', import.meta.url));
const senderCli = fileURLToPath(new URL('../apps/mock-sender/dist/cli.js', import.meta.url));
const secret = 'e2e-drift-secret';
const { track, tempDir, onCleanup } = useServices();

async function run(cli: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [cli, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

/** a loopback endpoint keeping each request body as the bytes it received */
async function recordingTarget() {
  const bodies: Buffer[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push(Buffer.concat(chunks));
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies };
}

const published = fixtures.find((fixture) => fixture.name === 'email message completed')?.event;
// as OmniAI might send them after a change: formatting, key order and non-ascii text kept as sent
const sent = [
  Buffer.from(JSON.stringify(published)),
  Buffer.from(
    `{\n  "event": "action_log.completed",\n  "workspaceId": "w-1", "apiVersion": "2026-01",\n` +
      `  "actionLog": {"id": "a-2", "leadId": "l-2", "type": "WEBHOOK_TEST", "summary": "Zoë \\u00e9 😀"}\n}\n`,
  ),
  Buffer.from('{"event":"lead.archived","data":{"leadId":"l-3"}}'),
];

describe('drift radar, export and replay across the real services', () => {
  test('the receiver reports the drift, exports the exact bytes, and omni-mock replay delivers them', async () => {
    const dir = await tempDir();
    const receiver = await track(startReceiver({ dir, secret }));
    for (const body of sent) {
      const response = await fetch(`${receiver.url}${WEBHOOK_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webhook-secret': secret },
        body,
      });
      expect(response.status).toBe(200);
    }

    // the report a CI job reads: drift not accepted fails it, an allow-list covering it passes
    const report = await run(contractCli, ['drift', '--url', receiver.url], { ADMIN_TOKEN });
    expect(report.code).toBe(1);
    expect(report.output).toContain('4 drift row(s), 4 not accepted');
    expect(report.output).toMatch(/actionLog\.type {2}new_enum_value: new value "WEBHOOK_TEST"/);
    const accept = join(dir, 'drift-accepted.json');
    await writeFile(
      accept,
      JSON.stringify({
        accepted: [
          { event: 'action_log.completed', path: 'actionLog.type' },
          { event: 'action_log.completed', path: 'apiVersion', kind: 'unknown_field' },
          { event: '*', path: 'event', kind: 'unknown_event' },
          { event: 'action_log.completed', path: 'actionLog.status' },
        ],
      }),
    );
    expect(
      (await run(contractCli, ['drift', '--url', receiver.url, '--accept', accept], { ADMIN_TOKEN })).code,
    ).toBe(0);

    const exported = await fetch(`${receiver.url}/events/export`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(exported.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const captured = join(dir, 'captured.jsonl');
    await writeFile(captured, await exported.text());

    // offline, from the capture: the same rows
    const offline = await run(contractCli, ['drift', '--from', captured, '--json']);
    expect(offline.code).toBe(1);
    const rows = (JSON.parse(offline.output) as { drift: { event: string; path: string; kind: string }[] })
      .drift;
    expect(rows.map((row) => `${row.event} ${row.path} ${row.kind}`).sort()).toEqual([
      'action_log.completed actionLog.status missing_required',
      'action_log.completed actionLog.type new_enum_value',
      'action_log.completed apiVersion unknown_field',
      'lead.archived event unknown_event',
    ]);

    const target = await recordingTarget();
    const replay = await run(senderCli, ['replay', captured, '--url', target.url, '--secret', 'staging']);
    expect(replay.output).toContain('replayed 3: 3 delivered');
    expect(replay.code).toBe(0);
    expect(target.bodies).toEqual(sent);
  });
});
