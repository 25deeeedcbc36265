// one implementation for the store tests, this suite and the bench: it lives beside the store's tests
// (which have `pg`), and e2e only needs its functions
export {
  createTestDatabase,
  startTestPostgres,
  type TestDatabase,
  type TestPostgres,
} from '../../apps/receiver/src/store/test-support/test-postgres.js';
