import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INGEST_RESPONSES } from './ingest/ingest-responses.js';
import { receiverEnvSchema } from './service/config.js';

// table rows as trimmed cells, so the formatter's column padding does not matter
const rows = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('|'))
  .map((line) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );

describe('README', () => {
  it('lists every row of the response table as the code has it', () => {
    for (const [code, entry] of Object.entries(INGEST_RESPONSES)) {
      expect(rows).toContainEqual([`\`${code}\``, String(entry.status), entry.stored]);
    }
  });

  it('documents every environment variable with the description --help prints', () => {
    for (const [variable, schema] of Object.entries(receiverEnvSchema.shape)) {
      const row = rows.find((cells) => cells[0] === `\`${variable}\``);
      expect(row, variable).toBeDefined();
      expect(row?.[2], variable).toBe(schema.description);
    }
  });
});
