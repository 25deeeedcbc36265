// the Go and Python kits' generated files, keyed by their path relative to the package root

import { renderGoKit } from './go-kit.js';
import { buildKitSchema } from './kit-model.js';
import { renderPythonKit } from './python-kit.js';

export { GO_KIT_DIR } from './go-kit.js';
export { PYTHON_DISTRIBUTION, PYTHON_KIT_DIR, PYTHON_PACKAGE } from './python-kit.js';

export function renderKitFiles(version: string): Map<string, string> {
  const kit = buildKitSchema();
  return new Map([...renderGoKit(kit, version), ...renderPythonKit(kit, version)]);
}
