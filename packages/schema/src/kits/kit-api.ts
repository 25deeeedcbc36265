// the public surface of the kits as flat entries (`go ActionLogCompletedEvent.Status` -> its Go type),
// what a release keeps in released/<version>/kits-api.json and the compat check compares: a name
// gone or a type changed breaks Go and Python code even where the JSON Schema only accepts more
import { goFieldType, goName } from './go-kit.js';
import { buildKitSchema, type KitSchema } from './kit-model.js';
import { pythonFieldName, pythonType } from './python-kit.js';

export const KITS_API_FILE = 'kits-api.json';

export type KitApi = Record<string, string>;

export function kitApi(kit: KitSchema = buildKitSchema()): KitApi {
  const entries: [string, string][] = [];
  for (const known of kit.enums) {
    for (const value of known.values) entries.push([`go const ${known.name}${goName(value)}`, value]);
    for (const value of known.values)
      entries.push([`python ${known.name} value ${JSON.stringify(value)}`, 'known']);
  }
  for (const model of kit.lenient.models) {
    for (const field of model.fields) {
      const path = `${model.path}.${field.key}`;
      entries.push([`go ${model.name}.${goName(field.key)}`, goFieldType(field, { kit, path })]);
      const type = pythonType(field.schema, { kit, mode: kit.lenient, path, refs: new Set() });
      entries.push([`python ${model.name}.${pythonFieldName(field.key)}`, type]);
    }
  }
  for (const model of kit.strict.models) {
    for (const field of model.fields)
      entries.push([`python strict.${model.name}.${pythonFieldName(field.key)}`, 'field']);
  }
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1)));
}
