// reading and writing a json tree by path, for the payload variations

export type JsonPath = readonly (string | number)[];

export function pathText(path: JsonPath): string {
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? key : `.${key}`))
    .join('');
}

export function getAt(root: unknown, path: JsonPath): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/** sets (or with `undefined` deletes) the value at a path that exists */
export function setAt(root: unknown, path: JsonPath, value: unknown): void {
  const parent = getAt(root, path.slice(0, -1));
  const key = path.at(-1);
  if (parent === null || typeof parent !== 'object' || key === undefined) return;
  if (value === undefined && !Array.isArray(parent)) {
    delete (parent as Record<string, unknown>)[key];
  } else {
    (parent as Record<string | number, unknown>)[key] = value;
  }
}

/** every path under the root, parents before their children */
export function allPaths(root: unknown, prefix: JsonPath = []): JsonPath[] {
  if (root === null || typeof root !== 'object') return [];
  const entries: [string | number, unknown][] = Array.isArray(root)
    ? root.map((value, index) => [index, value])
    : Object.entries(root);
  return entries.flatMap(([key, value]) => {
    const path = [...prefix, key];
    return [path, ...allPaths(value, path)];
  });
}

/** true when `path` lies under one of `ancestors` */
export function isUnder(path: JsonPath, ancestors: readonly JsonPath[]): boolean {
  return ancestors.some(
    (ancestor) => ancestor.length < path.length && ancestor.every((key, index) => path[index] === key),
  );
}
