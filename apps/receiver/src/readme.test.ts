import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { receiverEnvSchema } from './config.js';
import { INGEST_RESPONSES } from './ingest/ingest-responses.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('lists every row of the response table as the code has it', () => {
    for (const [code, entry] of Object.entries(INGEST_RESPONSES)) {
      expect(readme).toContain(`| \`${code}\` | ${entry.status} | ${entry.stored} |`);
    }
  });

  it('documents every environment variable', () => {
    for (const variable of Object.keys(receiverEnvSchema.shape))
      expect(readme).toContain(`| \`${variable}\` |`);
  });
});
