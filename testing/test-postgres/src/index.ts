export {
  createTestDatabase,
  startTestPostgres,
  startThrowawayPostgres,
  type TestDatabase,
  type TestPostgres,
} from './test-postgres.js';
