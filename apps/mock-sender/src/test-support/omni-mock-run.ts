import { PassThrough } from 'node:stream';
import type { CliIo } from '../cli/cli-io.js';
import { createCli } from '../cli/cli-program.js';

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export interface OmniMockRun {
  code: number;
  stdout: string;
  stderr: string;
  /** the environment `serve` was started with; undefined when the command did not start it */
  served: CliIo['env'] | undefined;
}

/**
 * runs omni-mock in process with these arguments; resolves with the exit code and what it printed.
 * `serve` is recorded, never started
 */
export async function runOmniMock(
  args: string[],
  { env = {}, stderrIsTTY = false }: { env?: CliIo['env']; stderrIsTTY?: boolean } = {},
): Promise<OmniMockRun> {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: stderrIsTTY, columns: 100 });
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  let code = 0;
  let served: CliIo['env'] | undefined;
  const cli = createCli({
    stdout,
    stderr,
    exit: (exitCode) => {
      throw new Exit(exitCode);
    },
    setExitCode: (exitCode) => {
      code = exitCode;
    },
    serve: async (serveEnv) => {
      served = serveEnv;
    },
    env,
  });
  try {
    await cli.parseAsync(args, { from: 'user' });
  } catch (error) {
    if (!(error instanceof Exit)) throw error;
    code = error.code;
  }
  return { code, stdout: out, stderr: err, served };
}
