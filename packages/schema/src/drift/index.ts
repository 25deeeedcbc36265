export {
  DRIFT_KINDS,
  type DriftKind,
  detectSchemaDrift,
  detectSchemaDriftReport,
  driftPath,
  MAX_DRIFT_PATH_CHARS,
  MAX_DRIFT_ROWS,
  type SchemaDrift,
  type SchemaDriftReport,
} from './detect-drift.js';
export {
  type DriftExample,
  driftExample,
  EXAMPLE_MAX_CHARS,
  isSensitiveKey,
  REDACTED,
} from './drift-example.js';
export { driftShapeKey } from './shape-key.js';
