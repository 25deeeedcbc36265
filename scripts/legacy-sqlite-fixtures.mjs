// writes the inbox and outbox files the tests open to prove that files written by the previous sqlite
// binding (better-sqlite3) still open: run it from a built checkout of a version that used it, e.g.
//   git worktree add /tmp/old 0ae5966 && (cd /tmp/old && npm_config_nodedir=/usr pnpm install && pnpm build)
//   node scripts/legacy-sqlite-fixtures.mjs /tmp/old
// each file is copied with its wal while the writer still has it open: the last commits exist only in
// the wal, as after a crash, so the new binding has to recover them
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const old = resolve(process.argv[2] ?? '');
const here = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'legacy-sqlite-'));
const load = (path) => import(pathToFileURL(join(old, path)).href);

function keep(file, target) {
  mkdirSync(resolve(target, '..'), { recursive: true });
  copyFileSync(file, target);
  if (!existsSync(`${file}-wal`)) throw new Error(`${file} has no wal to keep`);
  copyFileSync(`${file}-wal`, `${target}-wal`);
}

const { createSqliteInboxStore } = await load('apps/receiver/dist/store/sqlite/sqlite-inbox-store.js');
const inboxFile = join(scratch, 'inbox.sqlite');
const inbox = createSqliteInboxStore({ filename: inboxFile, checkpointThread: false });
await inbox.migrate();
const at = new Date('2026-11-01T00:00:00.000Z');
for (const [n, status] of ['received', 'received', 'rejected'].entries()) {
  await inbox.insert({
    dedupeKey: `legacy-${n}`,
    type: 'document.received',
    status,
    payload: JSON.stringify({ event: 'document.received', n }),
    ...(status === 'rejected' ? { issues: [{ path: ['data'], message: 'bad' }] } : {}),
    receivedAt: new Date(at.getTime() + n * 1000),
  });
}
const [claimed] = await inbox.claim({ limit: 1, leaseMs: 60_000, now: at });
await inbox.complete(claimed.id, claimed.leaseToken, at);
keep(inboxFile, join(here, 'apps/receiver/src/store/test-support/legacy/inbox.sqlite'));
await inbox.close();

const { openDatabase, Outbox } = await load('apps/mock-sender/dist/index.js');
const outboxFile = join(scratch, 'sender.sqlite');
const db = openDatabase(`file:${outboxFile}`);
db.pragma('wal_autocheckpoint = 0');
const outbox = new Outbox(db);
const target = {
  endpointId: 'ep',
  url: 'http://127.0.0.1:9/hook',
  secret: 's3cret',
  secretHeader: 'x-webhook-secret',
  sign: false,
};
const events = ['msg_a', 'msg_b'].map((id) => ({ id, type: 'lead.created', body: JSON.stringify({ id }) }));
const [first] = outbox.enqueue(events, () => [target], at.getTime());
outbox.beginAttempt(first.id, 1, at.getTime());
outbox.finishAttempt(
  first.id,
  1,
  { durationMs: 12, status: 200, error: null, responseBody: 'ok' },
  { state: 'succeeded' },
  at.getTime(),
);
keep(outboxFile, join(here, 'apps/mock-sender/src/test-support/legacy/sender.sqlite'));
db.close();
