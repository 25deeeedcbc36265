import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const cli = fileURLToPath(new URL('../packages/contract/dist/cli.js', import.meta.url));
// no request leaves the machine: fetch fails at once, as for an unreachable receiver
const offline = 'data:text/javascript,globalThis.fetch=async()=>{throw new TypeError("fetch failed")}';

async function verify(url: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = promisify(execFile)(
    process.execPath,
    ['--import', offline, cli, 'verify', '--url', url, '--no-auth'],
    {
      env: { PATH: process.env.PATH ?? '' },
    },
  );
  try {
    return { code: 0, ...(await run) };
  } catch (error) {
    return error as { code: number; stdout: string; stderr: string };
  }
}

describe('omni-contract verify against a plain-http receiver', () => {
  test('warns in one stderr line when the host is not loopback', async () => {
    const { code, stdout, stderr } = await verify('http://receiver.example.com/webhooks/omniai');
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^omni-contract: warning: http:\/\/receiver\.example\.com is plain http .*HTTPS/),
    ]);
    expect(stdout).toMatch(/^0 passed, \d+ failed, \d+ skipped in \d+ ms$/m);
    expect(code).toBe(1);
  });

  test('says nothing for loopback or https', async () => {
    for (const url of [
      'http://127.0.0.1:9/webhooks/omniai',
      'https://receiver.example.com/webhooks/omniai',
    ]) {
      expect((await verify(url)).stderr).toBe('');
    }
  });
});
