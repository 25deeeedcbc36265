export {
  DRIFT_KINDS,
  type DriftKind,
  detectSchemaDrift,
  driftPath,
  type SchemaDrift,
} from './detect-drift.js';
export {
  type DriftExample,
  driftExample,
  EXAMPLE_MAX_CHARS,
  isSensitiveKey,
  REDACTED,
} from './drift-example.js';
export { driftShapeKey } from './shape-key.js';
