import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * the file a `file:` DATABASE_URL names: `file::memory:` -> `:memory:`, `file:///abs/path.sqlite` (a
 * file URL, percent-decoded) -> `/abs/path.sqlite`, `file:./data/x.sqlite?mode=rwc` -> the path
 * resolved against the working directory, without its query
 */
export function sqliteFilenameFromUrl(databaseUrl: string): string {
  // the scheme only: the rest of a URL may hold a password
  if (!databaseUrl.startsWith('file:')) {
    throw new Error('not a file: URL');
  }
  if (databaseUrl === 'file::memory:') return ':memory:';
  if (databaseUrl.startsWith('file://')) return fileURLToPath(databaseUrl);
  const path = databaseUrl.slice('file:'.length).split('?')[0] ?? '';
  if (!path) throw new Error('file: URL without a path');
  return resolve(path);
}
