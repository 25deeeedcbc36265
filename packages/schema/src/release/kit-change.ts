// classifies a change of the kits' public surface (kit-api.ts) by the release rule: a name gone or a
// type changed is a major (code that compiled stops compiling or misreads a field), a new name a minor
import type { KitApi } from '../kits/kit-api.js';
import type { SchemaChange } from './schema-change.js';

export function classifyKitChange(
  before: KitApi | undefined,
  after: KitApi,
  releasedVersion: string,
): SchemaChange[] {
  if (before === undefined) {
    return [
      { level: 'minor', where: 'kits', reason: `the Go and Python kits are new since ${releasedVersion}` },
    ];
  }
  const changes: SchemaChange[] = [];
  for (const [name, type] of Object.entries(before)) {
    const now = after[name];
    if (now === undefined) changes.push({ level: 'major', where: `kits: ${name}`, reason: 'removed' });
    else if (now !== type)
      changes.push({ level: 'major', where: `kits: ${name}`, reason: `${type} became ${now}` });
  }
  for (const [name, type] of Object.entries(after)) {
    if (!(name in before)) changes.push({ level: 'minor', where: `kits: ${name}`, reason: `new (${type})` });
  }
  return changes;
}
