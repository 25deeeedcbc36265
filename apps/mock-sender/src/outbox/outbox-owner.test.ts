import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createMockSender, type MockSender } from '../mock-sender.js';
import { openDatabase, type SqliteDatabase } from './database.js';
import { OutboxInUseError, OutboxOwner } from './outbox-owner.js';
import { processStatus } from './process-liveness.js';

let dir: string;
let path: string;
const opened: SqliteDatabase[] = [];
const senders: MockSender[] = [];
const parents: ChildProcess[] = [];
const orphans: number[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'omni-sender-owner-'));
  path = join(dir, 'sender.sqlite');
});
afterEach(async () => {
  for (const pid of orphans.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const parent of parents.splice(0)) {
    parent.kill('SIGKILL');
    parent.stdout?.destroy();
  }
  for (const sender of senders.splice(0)) {
    await sender.close();
  }
  for (const db of opened.splice(0)) {
    db.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

function open(): SqliteDatabase {
  const db = openDatabase(`file:${path}`);
  opened.push(db);
  return db;
}

function sender(): MockSender {
  const started = createMockSender(loadConfig({ DATABASE_URL: `file:${path}`, LOG_LEVEL: 'silent' }));
  senders.push(started);
  return started;
}

/** a pid that existed and is gone */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', '']).pid;
  if (pid === undefined) throw new Error('no child pid');
  return pid;
}

/**
 * A process whose parent never reaps it: `sleep` becomes its parent (sh execs it) and never waits, so
 * once killed it stays a zombie until the test ends the parent.
 */
async function unreapedChild(): Promise<{ pid: number; parent: ChildProcess }> {
  const parent = spawn(
    'sh',
    ['-c', `"${process.execPath}" -e "setInterval(() => {}, 1000)" & echo $!; exec sleep 30`],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  parents.push(parent);
  const [line] = (await once(parent.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  const pid = Number(line.toString().trim());
  orphans.push(pid);
  return { pid, parent };
}

async function until(condition: () => boolean): Promise<void> {
  for (let tries = 0; !condition(); tries++) {
    if (tries > 200) throw new Error('condition never held');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('outbox ownership', () => {
  it.runIf(process.platform === 'linux')(
    'takes over at once from an owner killed and left a zombie (kill(pid, 0) still succeeds on it)',
    async () => {
      const { pid } = await unreapedChild();
      const owner = new OutboxOwner(open(), { path, pid });
      owner.acquire();
      expect(() => new OutboxOwner(open(), { path }).acquire()).toThrow(OutboxInUseError);
      process.kill(pid, 'SIGKILL');
      await until(() => processStatus(pid)?.state === 'Z');
      expect(() => process.kill(pid, 0)).not.toThrow();
      const restarted = new OutboxOwner(open(), { path });
      expect(restarted.acquire()).toMatchObject({ pid });
      expect(restarted.beat()).toBe(true);
      restarted.release();
    },
  );

  it.runIf(process.platform === 'linux')(
    "takes a live process with the owner's pid but another start time for a reused pid",
    async () => {
      const { parent } = await unreapedChild();
      const pid = parent.pid ?? 0;
      const db = open();
      const insert = db.prepare(
        `INSERT OR REPLACE INTO outbox_owner (id, token, pid, hostname, started_at, heartbeat_at, process_start)
           VALUES (1, 'old', ?, ?, ?, ?, ?)`,
      );
      insert.run(pid, hostname(), Date.now(), Date.now(), processStatus(pid)?.start);
      expect(() => new OutboxOwner(db, { path }).acquire()).toThrow(OutboxInUseError);
      insert.run(pid, hostname(), Date.now(), Date.now(), '1');
      const next = new OutboxOwner(db, { path });
      expect(next.acquire()).toMatchObject({ pid });
      next.release();
    },
  );

  it('refuses a second sender on the same file, naming the file and the owner, until the first stops', async () => {
    const first = sender();
    expect(() => sender()).toThrow(OutboxInUseError);
    expect(() => sender()).toThrow(
      new RegExp(
        `the outbox ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by pid ${process.pid} on ${hostname()}`,
      ),
    );
    await first.close();
    senders.splice(senders.indexOf(first), 1);
    expect(() => sender()).not.toThrow();
  });

  it('takes over at once from a dead process on this host', () => {
    const gone = new OutboxOwner(open(), { path, pid: deadPid() });
    gone.acquire();
    const next = new OutboxOwner(open(), { path });
    expect(next.acquire()).toMatchObject({ hostname: hostname() });
    expect(next.beat()).toBe(true);
    next.release();
    gone.release();
  });

  it('waits out a live owner elsewhere until its heartbeat is stale, and the old owner learns it lost', () => {
    let now = 1_000_000;
    const clock = () => now;
    const lost: unknown[] = [];
    const elsewhere = new OutboxOwner(open(), {
      path,
      clock,
      hostname: 'other-host',
      pid: 4242,
      staleAfterMs: 30_000,
      onLost: (owner) => lost.push(owner),
    });
    elsewhere.acquire();
    const here = new OutboxOwner(open(), { path, clock, staleAfterMs: 30_000 });
    now += 29_000;
    expect(() => here.acquire()).toThrow(/in use by pid 4242 on other-host \(last heartbeat 29 s ago\)/);
    expect(elsewhere.beat()).toBe(true);
    now += 29_000;
    expect(() => here.acquire()).toThrow(OutboxInUseError);
    now += 1_000;
    expect(() => here.acquire()).not.toThrow();
    expect(elsewhere.beat()).toBe(false);
    expect(lost).toEqual([expect.objectContaining({ pid: process.pid, hostname: hostname() })]);
    here.release();
    elsewhere.release();
  });

  it('takes over from a previous run with this very pid (a restarted container keeps pid 1)', () => {
    const db = open();
    db.prepare(
      'INSERT INTO outbox_owner (id, token, pid, hostname, started_at, heartbeat_at) VALUES (1, ?, ?, ?, ?, ?)',
    ).run('previous-run', process.pid, hostname(), Date.now(), Date.now());
    const restarted = new OutboxOwner(db, { path });
    expect(restarted.acquire()).toMatchObject({ pid: process.pid });
    expect(restarted.beat()).toBe(true);
    restarted.release();
  });

  it('refuses a second owner in this same process, whose pid matches but whose first owner lives', () => {
    const first = new OutboxOwner(open(), { path });
    first.acquire();
    expect(() => new OutboxOwner(open(), { path }).acquire()).toThrow(OutboxInUseError);
    first.release();
  });

  it('a sender that lost its outbox reports unhealthy, refuses writes and never sends again', async () => {
    const lost = createMockSender(loadConfig({ DATABASE_URL: 'file::memory:', LOG_LEVEL: 'silent' }));
    senders.push(lost);
    await lost.engine.halt();
    await lost.engine.stop();
    expect(lost.engine.halted).toBe(true);
    const url = await lost.listen(0, '127.0.0.1');
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'outbox_lost' });
    const posted = await fetch(`${url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'lead.created' }),
    });
    expect(posted.status).toBe(503);
    expect(await posted.json()).toMatchObject({ error: { code: 'outbox_lost' } });
    expect((await fetch(`${url}/deliveries`)).status).toBe(200);
  });

  it('lets an in-memory outbox alone (no file to share)', async () => {
    const a = createMockSender(loadConfig({ DATABASE_URL: 'file::memory:', LOG_LEVEL: 'silent' }));
    const b = createMockSender(loadConfig({ DATABASE_URL: 'file::memory:', LOG_LEVEL: 'silent' }));
    await a.close();
    await b.close();
  });
});
