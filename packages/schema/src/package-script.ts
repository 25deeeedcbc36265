// what the package's own scripts (generate, release:snapshot) share: no arguments but --help, and the
// package's version
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** prints `usage` and exits 0 on --help; exits 2 naming any other argument */
export function refuseArguments(usage: string, args: readonly string[] = process.argv.slice(2)): void {
  if (args.includes('--help')) {
    process.stdout.write(usage);
    process.exit(0);
  }
  if (args.length) {
    process.stderr.write(`unknown argument(s): ${args.join(' ')}; see --help\n`);
    process.exit(2);
  }
}

export async function packageVersion(packageRoot: string): Promise<string> {
  const { version } = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  return version;
}
