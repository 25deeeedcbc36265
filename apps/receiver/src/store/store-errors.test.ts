import { describe, expect, it } from 'vitest';
import { isTransientStoreError } from './store-errors.js';

const coded = (code: string) => Object.assign(new Error(code), { code });

describe('isTransientStoreError', () => {
  it('retries a lost connection, a lock, a deadlock, a full or busy database', () => {
    for (const error of [
      new Error('connection reset'),
      coded('ECONNRESET'),
      coded('08006'),
      coded('40P01'),
      coded('53100'),
      coded('57P01'),
      coded('55P03'),
      coded('SQLITE_BUSY'),
      coded('SQLITE_IOERR_WRITE'),
      coded('SQLITE_FULL'),
    ]) {
      expect(isTransientStoreError(error), String(error.message)).toBe(true);
    }
  });

  it('drops what the database refused for its content: index row too big, bad value, constraint', () => {
    for (const error of [
      coded('54000'),
      coded('22021'),
      coded('23502'),
      coded('SQLITE_CONSTRAINT_NOTNULL'),
      coded('SQLITE_TOOBIG'),
    ]) {
      expect(isTransientStoreError(error), String(error.message)).toBe(false);
    }
  });
});
