import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';
import { Outbox } from './outbox.js';

// written by the sender when it used better-sqlite3 12 (scripts/legacy-sqlite-fixtures.mjs), copied
// with its wal while open: its rows are only in the wal, as after a crash
const legacy = fileURLToPath(new URL('../test-support/legacy/sender.sqlite', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sender-legacy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('outbox written by the previous binding (better-sqlite3)', () => {
  it('opens with its deliveries and attempts, and takes new writes', () => {
    const filename = join(dir, 'sender.sqlite');
    copyFileSync(legacy, filename);
    copyFileSync(`${legacy}-wal`, `${filename}-wal`);
    const db = openDatabase(`file:${filename}`);
    const outbox = new Outbox(db);
    const page = outbox.list({ limit: 10, includePayload: true });
    expect(page.deliveries).toHaveLength(2);
    const byEvent = new Map(page.deliveries.map((delivery) => [delivery.eventId, delivery]));
    expect(byEvent.get('msg_a')).toMatchObject({
      state: 'succeeded',
      attempts: [{ n: 1, status: 200, durationMs: 12, responseBody: 'ok' }],
    });
    const pending = byEvent.get('msg_b');
    expect(pending).toMatchObject({ state: 'pending', attempts: [] });
    expect(outbox.job(pending?.id ?? '')).toMatchObject({ body: '{"id":"msg_b"}', secret: 's3cret' });
    expect(outbox.beginAttempt(pending?.id ?? '', 1, Date.now())).toBe(true);
    db.close();
    const reopened = new Outbox(openDatabase(`file:${filename}`));
    expect(reopened.get(pending?.id ?? '')).toMatchObject({ state: 'in_flight' });
  });
});
