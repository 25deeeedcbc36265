import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { assertPortFree, freePort } from './free-port.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export const SERVICE_ENTRIES = {
  receiver: 'apps/receiver/dist/service/main.js',
  sender: 'apps/mock-sender/dist/main.js',
} as const;

export interface ServiceOptions {
  name: keyof typeof SERVICE_ENTRIES;
  env: Record<string, string>;
  /** fixed port (restarts reuse it); a free one by default */
  port?: number;
  /** where to forward the service's output, line by line; kept in `output` either way */
  echo?: (line: string) => void;
  /** own process group: a Ctrl-C in the terminal reaches the parent only, which stops it in order */
  detached?: boolean;
}

/** one app as a child process, the way an operator runs it: `node dist/main.js` with env vars */
export class ServiceProcess {
  readonly url: string;
  readonly output: string[] = [];
  private child: ChildProcess | undefined;

  private constructor(
    private readonly options: ServiceOptions,
    readonly port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  static async start(options: ServiceOptions): Promise<ServiceProcess> {
    const service = new ServiceProcess(options, options.port ?? (await freePort()));
    await service.start();
    return service;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** starts (again) and resolves when `/healthz` answers 200 */
  async start(): Promise<void> {
    // a service already on the port would answer the health check in this one's place
    await assertPortFree(this.port);
    const child = spawn(process.execPath, [SERVICE_ENTRIES[this.options.name]], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: String(this.port),
        ...this.options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: this.options.detached ?? false,
    });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          this.output.push(line);
          this.options.echo?.(line);
        }
      });
    }
    try {
      await this.waitUntilHealthy(child);
    } catch (error) {
      // the caller never gets a handle to stop a service that failed to start
      child.kill('SIGKILL');
      throw error;
    }
  }

  private async waitUntilHealthy(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new Error(`${this.options.name} exited with ${child.exitCode}:\n${this.output.join('\n')}`);
      }
      const healthy = await fetch(`${this.url}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
      if (healthy) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${this.options.name} not healthy within 20 s:\n${this.output.join('\n')}`);
  }

  /** SIGKILL: no shutdown code runs, as in a crash */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGKILL without waiting: for a parent that is exiting and must not leave the child behind */
  killNow(): void {
    if (this.running) {
      this.child?.kill('SIGKILL');
    }
  }

  /** SIGTERM: graceful shutdown */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || !this.running) {
      return;
    }
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }
}
