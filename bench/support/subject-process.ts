// a server under load in a process of its own, started from a command and an environment: the parent picks
// its port, waits for it to answer, reads its cpu from /proc, and can profile its main thread for a window
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const benchDir = fileURLToPath(new URL('..', import.meta.url));
const profilerPreload = fileURLToPath(new URL('../subjects/profiler-preload.mjs', import.meta.url));

export interface SubjectCommand {
  /** node arguments: a script (and `--import tsx` before a TypeScript one) */
  args: string[];
  env: Record<string, string>;
  /** the path answering 200 once the server is ready */
  readyPath?: string;
}

export interface SubjectProcess {
  url: string;
  pid: number;
  /** with `profileFile`: starts the cpu profiler in the server's main thread */
  startProfile(): Promise<void>;
  /** stops it and waits for the `.cpuprofile` to be written */
  stopProfile(): Promise<string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function waitReady(url: string, child: ChildProcess, deadlineMs = 30_000): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < deadlineMs) {
    if (child.exitCode !== null) throw new Error(`bench subject exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`bench subject not ready at ${url} within ${deadlineMs} ms`);
}

export async function startSubject(
  command: SubjectCommand,
  options: { profileFile?: string } = {},
): Promise<SubjectProcess> {
  const port = await freePort();
  const preload = options.profileFile ? ['--import', profilerPreload] : [];
  const child = spawn(process.execPath, [...preload, ...command.args], {
    cwd: benchDir,
    env: {
      ...process.env,
      ...command.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      ...(options.profileFile ? { BENCH_PROFILE_FILE: options.profileFile } : {}),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}${command.readyPath ?? '/healthz'}`, child);
  const pid = child.pid;
  if (pid === undefined) throw new Error('bench subject has no pid');
  const signal = () => child.kill('SIGUSR2');
  return {
    url,
    pid,
    async startProfile() {
      if (!options.profileFile) throw new Error('started without a profile file');
      signal();
      await sleep(200);
    },
    async stopProfile() {
      const file = options.profileFile;
      if (!file) throw new Error('started without a profile file');
      signal();
      for (let waited = 0; waited < 30_000; waited += 100) {
        // written under another name, then renamed: once it exists it is whole
        if (existsSync(file)) return file;
        await sleep(100);
      }
      throw new Error(`no profile written to ${file}`);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(forced);
    },
  };
}
