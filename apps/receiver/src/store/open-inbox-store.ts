import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InboxStore } from './inbox-store.js';
import { createPostgresInboxStore } from './postgres-inbox-store.js';
import { createSqliteInboxStore } from './sqlite-inbox-store.js';

export interface OpenInboxStoreOptions {
  /** postgres: most connections per process; default 10 */
  poolMax?: number;
  /** postgres: a pooled connection broke while idle; the pool reconnects by itself */
  onConnectionError?: (error: Error) => void;
}

/** `file:./data/receiver.sqlite`, `file:///abs/path.sqlite` or `file::memory:` */
export function sqliteFilenameFromUrl(databaseUrl: string): string {
  if (!databaseUrl.startsWith('file:')) throw new Error(`not a file: URL: ${databaseUrl}`);
  if (databaseUrl === 'file::memory:') return ':memory:';
  if (databaseUrl.startsWith('file://')) return fileURLToPath(databaseUrl);
  const path = databaseUrl.slice('file:'.length).split('?')[0] ?? '';
  if (!path) throw new Error('file: URL without a path');
  return resolve(path);
}

export function isPostgresUrl(databaseUrl: string): boolean {
  return /^postgres(ql)?:\/\//.test(databaseUrl);
}

/** the adapter `DATABASE_URL` names, migrated and ready */
export async function openInboxStore(
  databaseUrl: string,
  options: OpenInboxStoreOptions = {},
): Promise<InboxStore> {
  let store: InboxStore;
  if (databaseUrl.startsWith('file:')) {
    store = createSqliteInboxStore({ filename: sqliteFilenameFromUrl(databaseUrl) });
  } else if (isPostgresUrl(databaseUrl)) {
    store = createPostgresInboxStore({
      connectionString: databaseUrl,
      ...(options.poolMax !== undefined ? { poolMax: options.poolMax } : {}),
      ...(options.onConnectionError ? { onConnectionError: options.onConnectionError } : {}),
    });
  } else {
    // the scheme only: the rest of a URL may hold a password
    throw new Error(
      `unsupported DATABASE_URL scheme: ${databaseUrl.split(':')[0]}: (supported: file:, postgres://, postgresql://)`,
    );
  }
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
