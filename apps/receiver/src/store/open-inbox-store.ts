import { sqliteFilenameFromUrl } from '@omni-webhooks/sqlite/database-url';
import type { InboxStore } from './inbox-store.js';
import { createPostgresInboxStore } from './postgres/postgres-inbox-store.js';
import { createSqliteInboxStore } from './sqlite/sqlite-inbox-store.js';

export interface OpenInboxStoreOptions {
  /** postgres: most connections per process; default 10 */
  poolMax?: number;
  /** postgres: a pooled connection broke while idle; the pool reconnects by itself */
  onConnectionError?: (error: Error) => void;
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
