import { expect, test } from 'vitest';
import { CONFIG_VARIABLES } from './config.js';
import { serviceHelp } from './service-help.js';

test('the service help lists every variable with what it does and its default', () => {
  const help = serviceHelp();
  for (const [name, variable] of Object.entries(CONFIG_VARIABLES)) {
    const line = help.split('\n').find((row) => row.trimStart().startsWith(`${name} `));
    expect(line).toContain(variable.doc);
    if (variable.default !== undefined) expect(line).toContain(`(default ${variable.default})`);
  }
});
