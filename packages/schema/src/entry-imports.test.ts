// which packages each public entry loads, read from the import graph of its source: teams that only
// want types must not load faker, yaml or msw; the fixtures entry must not need msw
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('./', import.meta.url));

/** bare specifiers reachable from a source file through relative imports (static, dynamic, type-only) */
function packagesReachable(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const queue = [resolve(src, entry)];
  while (queue.length) {
    const file = queue.pop() ?? '';
    if (seen.has(file)) continue;
    seen.add(file);
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (fileName.startsWith('node:')) continue;
      if (fileName.startsWith('.')) queue.push(join(dirname(file), fileName.replace(/\.js$/, '.ts')));
      else
        packages.add(
          fileName.startsWith('@')
            ? fileName.split('/').slice(0, 2).join('/')
            : (fileName.split('/')[0] ?? ''),
        );
    }
  }
  return packages;
}

describe('entry import graphs', () => {
  it('the main entry loads zod and nothing else', () => {
    expect([...packagesReachable('index.ts')]).toEqual(['zod']);
  });

  it('the fixtures entry loads faker and yaml, and not msw', () => {
    const reachable = packagesReachable('fixtures/index.ts');
    expect(reachable).toContain('@faker-js/faker');
    expect(reachable).toContain('yaml');
    expect(reachable).not.toContain('msw');
  });

  it('the msw entry loads msw, and neither faker nor yaml', () => {
    const reachable = packagesReachable('msw/index.ts');
    expect(reachable).toContain('msw');
    expect(reachable).not.toContain('@faker-js/faker');
    expect(reachable).not.toContain('yaml');
  });
});
