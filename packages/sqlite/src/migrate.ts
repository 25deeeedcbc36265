import type { SqliteDatabase } from './sqlite-driver.js';

// schema versions kept in sqlite's own `user_version`: entry i of the list moves the schema from
// version i to i + 1. a list is append-only: a migration, once released, never changes

export interface MigrateOptions {
  /** who owns the file, for the error a newer schema gets ("this receiver"); default 'application' */
  owner?: string | undefined;
}

export interface MigrateResult {
  /** user_version found */
  from: number;
  /** user_version now: the length of the list */
  to: number;
}

/**
 * applies the migrations the file has not had yet, all in one transaction (a failed one leaves the
 * file as it was). a file whose version is beyond the list was written by a newer release: refused,
 * since this one cannot know what that schema means
 */
export function migrate(
  db: SqliteDatabase,
  migrations: readonly string[],
  options: MigrateOptions = {},
): MigrateResult {
  const current = db.pragma('user_version', { simple: true });
  const from = typeof current === 'number' ? current : 0;
  if (from > migrations.length) {
    throw new Error(
      `database schema version ${from} is newer than this ${options.owner ?? 'application'} (${migrations.length})`,
    );
  }
  db.transaction(() => {
    for (const [index, sql] of migrations.entries()) {
      if (index < from) continue;
      db.exec(sql);
      db.pragma(`user_version = ${index + 1}`);
    }
  })();
  return { from, to: migrations.length };
}
