import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from 'pg';

// shared by the receiver's store tests, the e2e fleet test and the postgres bench: one way to get a
// database. src/ and dist/ sit at the same depth, so the path to scripts/ holds for both

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../../scripts/test-postgres.sh', import.meta.url));
const DIR_PREFIX = 'omni-test-pg-';
// whose cluster a directory holds: a later run stops the clusters of owners that died (SIGKILL)
const OWNER_FILE = 'owner.pid';
const START_ATTEMPTS = 3;

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
  return startThrowawayPostgres();
}

/**
 * a cluster in a directory of its own, stopped when this process exits or is stopped by a signal
 * (SIGINT, SIGTERM, SIGHUP) if `stop()` was never called; `port` is for tests (default: a free one,
 * and another one if postgres finds it taken by the time it binds)
 */
export async function startThrowawayPostgres(options: { port?: number } = {}): Promise<TestPostgres> {
  await reapOrphanedClusters();
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt += 1) {
    const port = attempt === 0 && options.port !== undefined ? options.port : await freePort();
    const dir = mkdtempSync(join(tmpdir(), DIR_PREFIX));
    // run as root, the script hands the cluster to the postgres user, who must reach it
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, OWNER_FILE), String(process.pid));
    const owned = own(dir);
    try {
      const url = (
        await run(script, ['start', join(dir, 'cluster'), String(port)], { timeout: 60_000 })
      ).stdout.trim();
      return { url, stop: owned.stop };
    } catch (error) {
      lastError = error;
      const collided = portTaken(dir);
      await owned.stop();
      // another process bound the port between our choice and postgres's bind: choose again
      if (!collided) break;
    }
  }
  const stderr = (lastError as { stderr?: string }).stderr?.trim();
  throw new Error(
    `could not start a throwaway PostgreSQL (set OMNI_TEST_POSTGRES_URL to use a running one; ` +
      `to install it: apt-get install -y postgresql): ${stderr || String(lastError)}`,
  );
}

const EXIT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const clusters = new Set<string>();

/** stops `dir`'s cluster on stop(), or at the latest when this process ends */
function own(dir: string): { stop: () => Promise<void> } {
  if (clusters.size === 0) {
    process.on('exit', stopAllSync);
    for (const signal of EXIT_SIGNALS) process.on(signal, onSignal);
  }
  clusters.add(dir);
  return {
    async stop() {
      if (!clusters.delete(dir)) return;
      if (clusters.size === 0) {
        process.off('exit', stopAllSync);
        for (const signal of EXIT_SIGNALS) process.off(signal, onSignal);
      }
      await run(script, ['stop', join(dir, 'cluster')], { timeout: 60_000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function stopSync(dir: string): void {
  try {
    execFileSync(script, ['stop', join(dir, 'cluster')], { timeout: 30_000, stdio: 'ignore' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function stopAllSync(): void {
  for (const dir of clusters) {
    try {
      stopSync(dir);
    } catch {
      // best effort on the way out: the next run reaps what is left
    }
  }
  clusters.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  stopAllSync();
  for (const other of EXIT_SIGNALS) process.off(other, onSignal);
  process.off('exit', stopAllSync);
  // the default action (end the process) unless someone else handles the signal
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function portTaken(dir: string): boolean {
  try {
    return /could not bind|address already in use/i.test(
      readFileSync(join(dir, 'cluster', 'server.log'), 'utf8'),
    );
  } catch {
    return false;
  }
}

/** clusters left by runs that were killed outright (no exit handler ran) */
async function reapOrphanedClusters(): Promise<void> {
  const root = tmpdir();
  for (const name of readdirSync(root)) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = join(root, name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(dir, OWNER_FILE), 'utf8'));
    } catch {
      continue;
    }
    if (!Number.isInteger(owner) || owner <= 0 || isAlive(owner)) continue;
    await run(script, ['stop', join(dir, 'cluster')], { timeout: 60_000 }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, someone else's
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
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

/** a port free now; postgres may still find it taken when it binds (hence the retry above) */
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
