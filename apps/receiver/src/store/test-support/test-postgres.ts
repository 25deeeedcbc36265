import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from 'pg';

// shared by the store tests, the e2e fleet test and the postgres bench: one way to get a database

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../../../../scripts/test-postgres.sh', import.meta.url));

export interface TestPostgres {
  /** the server's maintenance database, e.g. postgres://postgres@127.0.0.1:54329/postgres */
  url: string;
  /** stops the cluster when this process started it; a no-op for OMNI_TEST_POSTGRES_URL */
  stop(): Promise<void>;
}

export interface TestDatabase {
  url: string;
  name: string;
  /** drops it, closing whatever connections are still open */
  drop(): Promise<void>;
}

/**
 * the server CI started (`OMNI_TEST_POSTGRES_URL`), else a throwaway cluster of this process's own,
 * started with scripts/test-postgres.sh on a free port. missing binaries fail loudly: a skipped
 * postgres suite would pass without testing anything.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const given = process.env.OMNI_TEST_POSTGRES_URL;
  if (given) return { url: given, stop: async () => undefined };
  const dir = join(tmpdir(), `omni-test-pg-${randomBytes(6).toString('hex')}`);
  const port = await freePort();
  let url: string;
  try {
    url = (await run(script, ['start', dir, String(port)], { timeout: 60_000 })).stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(
      `could not start a throwaway PostgreSQL (set OMNI_TEST_POSTGRES_URL to use a running one; ` +
        `to install it: apt-get install -y postgresql): ${stderr || String(error)}`,
    );
  }
  return { url, stop: async () => void (await run(script, ['stop', dir], { timeout: 60_000 })) };
}

/** a new, empty database `omni_test_<random>` on the server at `serverUrl` */
export async function createTestDatabase(serverUrl: string): Promise<TestDatabase> {
  // the name is ours, made of [a-z0-9_] only: identifiers cannot be bound as parameters
  const name = `omni_test_${randomBytes(8).toString('hex')}`;
  await onServer(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function onServer(serverUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
