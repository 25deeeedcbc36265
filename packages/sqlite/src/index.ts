export {
  type OpenOptions,
  openSqlite,
  type RunResult,
  SQLITE_DRIVER_MODULE,
  type SqliteDatabase,
  type Statement,
  type Transaction,
} from './sqlite-driver.js';
