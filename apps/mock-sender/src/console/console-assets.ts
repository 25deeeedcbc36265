import { type Dirent, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** where `build:console` puts the page, its stylesheet and the compiled browser code */
// src/console and dist/console sit at the same depth, so tests running from src find the build too
export const CONSOLE_ASSETS_DIR = fileURLToPath(new URL('../../dist/console/assets/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export interface ConsoleAsset {
  body: Buffer;
  contentType: string;
}

/**
 * Reads every servable file of the asset folder once, at start. Requests are answered from this map
 * by exact name, so no request path ever reaches the file system (no traversal to guard against).
 * A missing folder gives an empty map: the API still works, the page says how to build it.
 */
export function loadConsoleAssets(dir: string = CONSOLE_ASSETS_DIR): Map<string, ConsoleAsset> {
  const assets = new Map<string, ConsoleAsset>();
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return assets;
  }
  for (const entry of entries) {
    const contentType = CONTENT_TYPES[extname(entry.name)];
    if (entry.isFile() && contentType) {
      assets.set(entry.name, { body: readFileSync(join(dir, entry.name)), contentType });
    }
  }
  return assets;
}
