// realistic ways OmniAI payloads drift (omniai-events.md): lenient mode must keep every such event,
// strict mode must notice each drift at a path that names it, in zod and in the generated json schema
import { describe, expect, it } from 'vitest';
import { safeParseWebhookEvent } from './parse.js';
import { applyPatches, baseEvent, corpus, type Path } from './test-support/drift-corpus.js';
import { ajv, ajvPaths, eventValidator, unionValidator } from './test-support/json-schema-validators.js';

const byPath = (a: Path, b: Path) => a.join('\u0000').localeCompare(b.join('\u0000'));

describe('drift corpus', () => {
  for (const drift of corpus) {
    const { type, event } = baseEvent(drift.base);
    const payload = applyPatches(event, drift.patches);

    it(`lenient keeps ${type} with ${drift.name}, unchanged`, () => {
      const result = safeParseWebhookEvent(payload);
      expect(result.success ? [] : result.error.issues).toEqual([]);
      expect(result.success && result.data).toEqual(payload);
      const validate = eventValidator(type, 'lenient');
      expect(validate(payload), ajv.errorsText(validate.errors)).toBe(true);
      expect(unionValidator('lenient')(payload)).toBe(true);
    });

    it(`strict names the drift in ${type} with ${drift.name}`, () => {
      const result = safeParseWebhookEvent(payload, { mode: 'strict' });
      const zodPaths = result.success ? [] : result.error.issues.map((issue) => issue.path);
      expect(zodPaths.sort(byPath)).toEqual([...drift.strictPaths].sort(byPath));
      const validate = eventValidator(type, 'strict');
      expect(validate(payload)).toBe(false);
      const paths = ajvPaths(validate.errors);
      for (const path of drift.strictPaths) expect(paths).toContainEqual(path);
    });
  }

  it('lenient keeps an event carrying every drift of its base at once', () => {
    const bases = [...new Set(corpus.map((drift) => drift.base))];
    for (const base of bases) {
      const { type, event } = baseEvent(base);
      const patches = corpus.filter((drift) => drift.base === base).flatMap((drift) => drift.patches);
      const payload = applyPatches(event, patches);
      const result = safeParseWebhookEvent(payload);
      expect(result.success ? [] : result.error.issues, `${type} (${base})`).toEqual([]);
      expect(eventValidator(type, 'lenient')(payload), `${type} (${base})`).toBe(true);
      expect(safeParseWebhookEvent(payload, { mode: 'strict' }).success).toBe(false);
    }
  });
});
