// the JSON Schema files a release is compared by: one per event and mode (the union files repeat them)
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const RELEASED_DIR = 'released';

export function isEventSchemaFile(name: string): boolean {
  // scenario.schema.json describes scenario files, not an event
  return (
    name.endsWith('.schema.json') && !name.startsWith('webhook-event.') && name !== 'scenario.schema.json'
  );
}

export async function readSchemaFiles(dir: string): Promise<Map<string, unknown>> {
  const names = (await readdir(dir)).filter(isEventSchemaFile).sort();
  const files = new Map<string, unknown>();
  for (const name of names) files.set(name, JSON.parse(await readFile(join(dir, name), 'utf8')));
  return files;
}

/** the newest version kept under released/, or undefined before the first release */
export async function latestReleasedVersion(packageRoot: string): Promise<string | undefined> {
  const versions = (await readdir(join(packageRoot, RELEASED_DIR)).catch(() => []))
    .map((name) => ({ name, parts: /^(\d+)\.(\d+)\.(\d+)$/.exec(name)?.slice(1).map(Number) }))
    .filter((entry): entry is { name: string; parts: number[] } => entry.parts !== undefined);
  const newer = (a: number[], b: number[]) => a.findIndex((part, i) => part !== b[i]);
  versions.sort((a, b) => {
    const i = newer(a.parts, b.parts);
    return i === -1 ? 0 : (b.parts[i] ?? 0) - (a.parts[i] ?? 0);
  });
  return versions[0]?.name;
}
