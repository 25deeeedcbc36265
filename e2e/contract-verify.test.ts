import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { startReceiver, WEBHOOK_PATH } from './support/stack.js';
import { useServices } from './support/use-services.js';

const cli = fileURLToPath(new URL('../packages/contract/dist/cli.js', import.meta.url));
const secret = 'e2e-verify-secret';
const signingKey = 'whsec_ZTJlLXZlcmlmeS1zaWduaW5nLWtleS0wMTIz';
const { track, tempDir } = useServices();

async function verify(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'verify', ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe('omni-contract verify against the project receiver', () => {
  test('passes in strict mode and writes JUnit XML', async () => {
    const dir = await tempDir();
    const receiver = await track(startReceiver({ dir, secret }));
    const junit = join(dir, 'contract.xml');

    const { code, output } = await verify(
      ['--url', `${receiver.url}${WEBHOOK_PATH}`, '--strict', '--junit', junit],
      {
        WEBHOOK_SECRET: secret,
      },
    );

    expect(output).toMatch(/^\d+ passed, 0 failed, 3 skipped in \d+ ms$/m);
    expect(code).toBe(0);
    const xml = await readFile(junit, 'utf8');
    expect(xml).toContain('failures="0"');
    expect(xml.match(/<testcase /g)?.length).toBeGreaterThanOrEqual(20);
  });

  test('passes a signing receiver with --sign and a signing key apart from the secret, replay check included', async () => {
    const dir = await tempDir();
    const receiver = await track(
      startReceiver({ dir, secret, env: { WEBHOOK_SIGNING_KEYS: signingKey, SIGNATURE_MODE: 'required' } }),
    );

    const { code, output } = await verify(
      ['--url', `${receiver.url}${WEBHOOK_PATH}`, '--secret', secret, '--sign'],
      { WEBHOOK_SIGNING_KEY: signingKey },
    );

    expect(output).toMatch(/^\d+ passed, 0 failed, 1 skipped in \d+ ms$/m);
    expect(code).toBe(0);
  });

  test('checks a receiver that takes signatures alone (--no-auth --sign): no secret header, signature checks run', async () => {
    const dir = await tempDir();
    const receiver = await track(
      startReceiver({ dir, secret, env: { WEBHOOK_SIGNING_KEYS: signingKey, SIGNATURE_MODE: 'required' } }),
    );

    const { code, output } = await verify(
      [
        '--url',
        `${receiver.url}${WEBHOOK_PATH}`,
        '--no-auth',
        '--sign',
        '--signing-key',
        signingKey,
        '--strict',
      ],
      { WEBHOOK_SECRET: secret },
    );

    expect(output).toMatch(/^\d+ passed, 0 failed, 3 skipped in \d+ ms$/m);
    for (const check of [
      'refuses a replayed delivery (signature timestamp outside the tolerance)',
      'refuses a delivery whose signature does not match its body',
      'refuses a delivery without a signature (no secret header either)',
    ]) {
      expect(output.split('\n').find((line) => line.endsWith(check))).toMatch(/^PASS .* 401 /);
    }
    expect(output).toMatch(/^SKIP .*refuses a delivery without the secret/m);
    expect(code).toBe(0);
  });

  test('--sign without a signing key exits 2 naming the option', async () => {
    const { code, output } = await verify([
      '--url',
      `http://127.0.0.1:9${WEBHOOK_PATH}`,
      '--secret',
      secret,
      '--sign',
    ]);

    expect(code).toBe(2);
    expect(output).toContain('--sign needs a signing key: give --signing-key or set WEBHOOK_SIGNING_KEY');
  });

  test('--sign refuses a whsec_ secret whose key is not a valid signing key (exit 2, never echoing it)', async () => {
    const shortKeySecret = 'whsec_c2hvcnQta2V5LTA5';
    const { code, output } = await verify(['--url', `http://127.0.0.1:9${WEBHOOK_PATH}`, '--sign'], {
      WEBHOOK_SECRET: shortKeySecret,
    });

    expect(code).toBe(2);
    expect(output).toContain('--sign with the whsec_ secret (--secret / WEBHOOK_SECRET) as the signing key');
    expect(output).toContain('at least 16 bytes');
    expect(output).not.toContain(shortKeySecret);
  });

  test('fails, with exit code 1, when the secret is wrong', async () => {
    const dir = await tempDir();
    const receiver = await track(startReceiver({ dir, secret }));

    const { code, output } = await verify(['--url', `${receiver.url}${WEBHOOK_PATH}`, '--secret', 'wrong']);

    expect(code).toBe(1);
    expect(output).toContain('FAIL');
    expect(output).toContain('answered 401, expected 200');
  });

  test('refuses to run without a secret unless told the receiver takes none', async () => {
    const { code, output } = await verify(['--url', `http://127.0.0.1:9${WEBHOOK_PATH}`]);

    expect(code).toBe(2);
    expect(output).toContain('no secret: give --secret or set WEBHOOK_SECRET');
  });
});
