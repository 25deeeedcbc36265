import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import type { ServiceProcess } from './support/service-process.js';
import { startReceiver, WEBHOOK_PATH } from './support/stack.js';
import { withTempDir } from './support/temp-dir.js';

const cli = fileURLToPath(new URL('../packages/contract/dist/cli.js', import.meta.url));
const secret = 'e2e-verify-secret';
const services: ServiceProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.stop()));
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function verify(args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'verify', ...args]);
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

describe('omni-contract verify against the project receiver', () => {
  test('passes in strict mode and writes JUnit XML', async () => {
    const { dir, remove } = await withTempDir();
    cleanups.push(remove);
    const receiver = await startReceiver({ dir, secret });
    services.push(receiver);
    const junit = join(dir, 'contract.xml');

    const { code, stdout } = await verify([
      '--url',
      `${receiver.url}${WEBHOOK_PATH}`,
      '--secret',
      secret,
      '--strict',
      '--junit',
      junit,
    ]);

    expect(stdout).toMatch(/^\d+ passed, 0 failed, 1 skipped in \d+ ms$/m);
    expect(code).toBe(0);
    const xml = await readFile(junit, 'utf8');
    expect(xml).toContain('failures="0"');
    expect(xml.match(/<testcase /g)?.length).toBeGreaterThanOrEqual(20);
  });

  test('passes a signing receiver with --sign, replay check included', async () => {
    const { dir, remove } = await withTempDir();
    cleanups.push(remove);
    const receiver = await startReceiver({ dir, secret, env: { SIGNATURE_MODE: 'required' } });
    services.push(receiver);

    const { code, stdout } = await verify([
      '--url',
      `${receiver.url}${WEBHOOK_PATH}`,
      '--secret',
      secret,
      '--sign',
    ]);

    expect(stdout).toMatch(/^\d+ passed, 0 failed, 0 skipped in \d+ ms$/m);
    expect(code).toBe(0);
  });

  test('fails, with exit code 1, when the secret is wrong', async () => {
    const { dir, remove } = await withTempDir();
    cleanups.push(remove);
    const receiver = await startReceiver({ dir, secret });
    services.push(receiver);

    const { code, stdout } = await verify(['--url', `${receiver.url}${WEBHOOK_PATH}`, '--secret', 'wrong']);

    expect(code).toBe(1);
    expect(stdout).toContain('FAIL');
    expect(stdout).toContain('answered 401, expected 200');
  });
});
