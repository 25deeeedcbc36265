import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { freePort } from './support/free-port.js';
import { withTempDir } from './support/temp-dir.js';

const script = fileURLToPath(new URL('./dev-stack.ts', import.meta.url));

test('pnpm start delivers and stores one event of every type within 30 s, then --once exits 0', async () => {
  const { dir, remove } = await withTempDir();
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', script, '--once', '--data-dir', dir], {
      env: {
        ...process.env,
        RECEIVER_PORT: String(await freePort()),
        SENDER_PORT: String(await freePort()),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));

    expect(output).toContain('7 events of 7 types delivered and 7 stored.');
    expect(output.match(/INFO: event stored/g)).toHaveLength(7);
    expect(output.match(/INFO: delivered/g)).toHaveLength(7);
    expect(output).toContain('pnpm omni-contract verify --url');
    // the sender runs with a generated SENDER_API_TOKEN, and says how to use it
    const token = /sign in with the sender API token (dev_[0-9a-f]{32})/.exec(output)?.[1];
    expect(token).toBeDefined();
    expect(output).toContain(`curl -s http://127.0.0.1:`);
    expect(output).toContain(`/deliveries -H 'authorization: Bearer ${token}'`);
    expect(code).toBe(0);
  } finally {
    await remove();
  }
}, 60_000);
