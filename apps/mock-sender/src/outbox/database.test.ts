import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '@omni-webhooks/sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, openDatabase } from './database.js';
import { Outbox } from './outbox.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** an outbox file as the release before this one wrote it (schema 4: bodies in events, no signing keys) */
function previousOutbox(): string {
  const dir = mkdtempSync(join(tmpdir(), 'omni-sender-migrate-'));
  dirs.push(dir);
  const path = join(dir, 'sender.sqlite');
  const db = openSqlite(path);
  MIGRATIONS.slice(0, 4).forEach((sql, index) => {
    db.exec(sql);
    db.pragma(`user_version = ${index + 1}`);
  });
  const body = JSON.stringify({ event: 'lead.created', data: { id: 'lead_1' } });
  db.prepare("INSERT INTO events (id, type, body, created_at) VALUES ('msg_old', 'lead.created', ?, 1)").run(
    body,
  );
  db.prepare(
    `INSERT INTO deliveries (id, event_id, endpoint_id, url, secret, secret_header, sign, state, attempt_count,
       created_at, updated_at) VALUES ('dlv_old', 'msg_old', 'default', 'http://127.0.0.1:9/hook', NULL,
       'x-webhook-secret', 0, 'succeeded', 1, 1, 1)`,
  ).run();
  // signed with its secret, as that release did
  db.prepare(
    `INSERT INTO deliveries (id, event_id, endpoint_id, url, secret, secret_header, sign, state, attempt_count,
       created_at, updated_at) VALUES ('dlv_signed', 'msg_old', 'default', 'http://127.0.0.1:9/hook',
       'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'x-webhook-secret', 1, 'pending', 0, 1, 1)`,
  ).run();
  db.close();
  return path;
}

describe('outbox migrations', () => {
  it('opens an outbox of the previous release: deliveries keep their bytes, redeliver them, signed ones keep signing', () => {
    const path = previousOutbox();
    const db = openDatabase(`file:${path}`);
    try {
      const outbox = new Outbox(db);
      const payload = { event: 'lead.created', data: { id: 'lead_1' } };
      expect(outbox.get('dlv_old')).toMatchObject({ eventId: 'msg_old', payload });
      const again = outbox.redeliver('dlv_old', 2);
      expect(outbox.job(again?.id ?? '')?.body).toBe(JSON.stringify(payload));
      expect(db.prepare('SELECT count(*) AS n FROM bodies').get()).toEqual({ n: 1 });
      expect(outbox.job('dlv_signed')).toMatchObject({
        sign: true,
        signingKey: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        body: JSON.stringify(payload),
      });
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    } finally {
      db.close();
    }
  });
});

describe('outbox file', () => {
  it('refuses a file a newer release migrated, leaving it as it was', () => {
    const dir = mkdtempSync(join(tmpdir(), 'omni-sender-newer-'));
    dirs.push(dir);
    const path = join(dir, 'sender.sqlite');
    const newer = openSqlite(path);
    newer.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    newer.close();
    expect(() => openDatabase(`file:${path}`)).toThrow(
      `database schema version ${MIGRATIONS.length + 1} is newer than this mock sender (${MIGRATIONS.length})`,
    );
    const after = openSqlite(path);
    expect(after.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length + 1);
    after.close();
  });
});
