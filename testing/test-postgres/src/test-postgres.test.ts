import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client } from 'pg';
import { describe, expect, it } from 'vitest';
import { startThrowawayPostgres } from './test-postgres.js';

// a plain node child imports the built module (the test script builds first), as e2e and the bench do
const built = fileURLToPath(new URL('../dist/test-postgres.js', import.meta.url));

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** a node process that starts a cluster, prints its url and directory, then idles */
async function owner(): Promise<{ child: ChildProcess; url: string }> {
  const env = { ...process.env };
  delete env.OMNI_TEST_POSTGRES_URL;
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { startThrowawayPostgres } = await import(${JSON.stringify(built)});
       const pg = await startThrowawayPostgres();
       process.stdout.write(pg.url + '\\n');
       setInterval(() => {}, 1000);`,
    ],
    { env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  return { child, url: chunk.toString('utf8').trim() };
}

describe('throwaway test postgres', () => {
  it('starts on another port when postgres finds the chosen one taken', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const address = squatter.address();
    const taken = typeof address === 'object' && address ? address.port : 0;
    try {
      const postgres = await startThrowawayPostgres({ port: taken });
      expect(new URL(postgres.url).port).not.toBe(String(taken));
      expect(await answers(postgres.url)).toBe(true);
      await postgres.stop();
      expect(await answers(postgres.url)).toBe(false);
    } finally {
      squatter.close();
    }
  }, 60_000);

  it('stops the cluster of a process ended by SIGTERM', async () => {
    const { child, url } = await owner();
    expect(await answers(url)).toBe(true);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [, signal] = await exited;
    // the signal still ends it, as it would without the handler
    expect(signal).toBe('SIGTERM');
    expect(await answers(url)).toBe(false);
  }, 60_000);

  it('stops a cluster whose owner was killed outright when the next one starts', async () => {
    const { child, url } = await owner();
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    // nothing could run in the killed process: its cluster is still up
    expect(await answers(url)).toBe(true);
    const next = await startThrowawayPostgres();
    expect(await answers(url)).toBe(false);
    await next.stop();
  }, 60_000);
});
