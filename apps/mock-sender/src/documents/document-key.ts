import { randomBytes } from 'node:crypto';
import type { SqliteDatabase } from '../outbox/database.js';

/**
 * The keys document links are signed with (the first) and checked against (each): SENDER_DOCUMENT_KEY
 * when set; otherwise one key kept in the sender's database, made on its first start. A key made anew
 * at each start would turn every link in an event still being retried into a 403 after a restart.
 */
export function documentSigningKeys(
  db: SqliteDatabase,
  configured: readonly string[],
  now: number,
): string[] {
  if (configured.length > 0) return [...configured];
  // two processes starting on one file at once both read the row the first one wrote
  db.prepare(
    'INSERT INTO document_signing_key (id, key, created_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING',
  ).run(randomBytes(32).toString('base64url'), now);
  const row = db.prepare('SELECT key FROM document_signing_key WHERE id = 1').get() as { key: string };
  return [row.key];
}
