// the subjects of the receiver's cpu comparison: bare koa, the peer written by hand (bench/subjects), this
// receiver as a user runs it (its service entry, configured by the environment, SQLite defaults), and
// optionally the receiver of another checkout (`--baseline=DIR`), for before/after figures in one run
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CpuSubject } from './cpu-rounds.js';
import { SECRET } from './receiver-load.js';

const subjectsDir = fileURLToPath(new URL('../subjects/', import.meta.url));

/** the script `pnpm start` of a receiver package runs (`node <script>`), resolved in `packageDir` */
export function receiverEntry(packageDir: string): string {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const script = /^node (\S+)$/.exec(manifest.scripts?.start ?? '')?.[1];
  if (!script) throw new Error(`${packageDir}/package.json has no "start": "node <script>"`);
  const entry = resolve(packageDir, script);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build that checkout first (pnpm build)`);
  return entry;
}

export function ownReceiverDir(): string {
  return dirname(createRequire(import.meta.url).resolve('@omni-webhooks/receiver/package.json'));
}

export function bareKoa(): CpuSubject {
  return {
    name: 'bare koa (read + JSON.parse)',
    command: () => ({ args: ['--import', 'tsx', join(subjectsDir, 'bare-koa.ts')], env: {} }),
  };
}

export function handwrittenPeer(dir: string): CpuSubject {
  return {
    name: 'hand-written peer (zod, sha-256, one INSERT, FULL)',
    command: (round) => ({
      args: ['--import', 'tsx', join(subjectsDir, 'handwritten-peer.ts')],
      env: { WEBHOOK_SECRET: SECRET, PEER_DB_FILE: join(dir, `peer-${round}.sqlite`) },
    }),
  };
}

/** the receiver service of `packageDir` with its defaults: SQLite (WAL, FULL, group commit), drift on */
export function receiverService(
  name: string,
  packageDir: string,
  dir: string,
  env: Record<string, string> = {},
): CpuSubject {
  const entry = receiverEntry(packageDir);
  const file = name.replace(/[^a-z0-9]+/gi, '-');
  return {
    name,
    command: (round) => ({
      args: [entry],
      env: {
        WEBHOOK_SECRET: SECRET,
        DATABASE_URL: `file:${join(dir, `${file}-${round}.sqlite`)}`,
        LOG_LEVEL: 'warn',
        ...env,
      },
      readyPath: '/readyz',
    }),
  };
}
