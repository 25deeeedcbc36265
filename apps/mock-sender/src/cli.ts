#!/usr/bin/env node
import { createCli } from './cli/cli-program.js';
import { loadConfigOrExit, startService } from './service.js';

await createCli({
  stdout: process.stdout,
  stderr: process.stderr,
  exit: (code) => process.exit(code),
  setExitCode: (code) => {
    process.exitCode = code;
  },
  serve: async (env) => {
    await startService(loadConfigOrExit(env));
  },
  env: process.env,
  onInterrupt: (handler) => {
    process.once('SIGINT', handler);
    return () => process.off('SIGINT', handler);
  },
}).parseAsync();
