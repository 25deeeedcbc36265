import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InboxStore } from './inbox-store.js';
import { createSqliteInboxStore } from './sqlite-inbox-store.js';

/** `file:./data/receiver.sqlite`, `file:///abs/path.sqlite` or `file::memory:` */
export function sqliteFilenameFromUrl(databaseUrl: string): string {
  if (!databaseUrl.startsWith('file:')) throw new Error(`not a file: URL: ${databaseUrl}`);
  if (databaseUrl === 'file::memory:') return ':memory:';
  if (databaseUrl.startsWith('file://')) return fileURLToPath(databaseUrl);
  const path = databaseUrl.slice('file:'.length).split('?')[0] ?? '';
  if (!path) throw new Error('file: URL without a path');
  return resolve(path);
}

export async function openInboxStore(databaseUrl: string): Promise<InboxStore> {
  if (!databaseUrl.startsWith('file:')) {
    throw new Error(`unsupported DATABASE_URL scheme: ${databaseUrl.split(':')[0]}: (supported: file:)`);
  }
  const store = createSqliteInboxStore({ filename: sqliteFilenameFromUrl(databaseUrl) });
  await store.migrate();
  return store;
}
