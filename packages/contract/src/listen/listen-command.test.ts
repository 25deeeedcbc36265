import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { contractProgram } from '../cli-shell.js';
import { registerListenCommand } from './listen-command.js';

// the command line of `omni-contract listen`: every bad input ends with exit code 2 and a message, and no
// credential given to it is ever written back

const TOKEN = 'admin-token-abcdef0123456789';
const SECRET = 'local-secret-abcdef0123456789';

let server: Server | undefined;
afterEach(async () => {
  process.exitCode = undefined;
  vi.unstubAllEnvs();
  if (server) await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});
beforeEach(() => {
  vi.stubEnv('ADMIN_TOKEN', '');
  vi.stubEnv('WEBHOOK_SECRET', '');
  vi.stubEnv('WEBHOOK_SIGNING_KEY', '');
});

/** a stream endpoint that refuses every token */
async function refusingReceiver(): Promise<string> {
  server = createServer((_request, response) => response.writeHead(401).end());
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

class ExitCalled extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** the real program shell (its exit-code mapping included) with the listen command */
async function run(args: string[]): Promise<{ exitCode: number | undefined; output: string }> {
  const written: string[] = [];
  const write = (text: string) => {
    written.push(text);
    return true;
  };
  const program = contractProgram((code) => {
    throw new ExitCalled(code);
  }).configureOutput({ writeOut: write, writeErr: write });
  registerListenCommand(program, { stdout: { write }, stderr: { write } });
  try {
    await program.parseAsync(['listen', ...args], { from: 'user' });
    return { exitCode: Number(process.exitCode ?? 0), output: written.join('') };
  } catch (error) {
    if (!(error instanceof ExitCalled)) throw error;
    return { exitCode: error.code, output: written.join('') };
  }
}

const local = 'http://127.0.0.1:9/webhooks/omniai';

describe('omni-contract listen, the command line', () => {
  it('exits 2 without an admin token, naming both ways to give one', async () => {
    const { exitCode, output } = await run(['--url', 'http://127.0.0.1:9', '--forward-to', local]);
    expect(exitCode).toBe(2);
    expect(output).toMatch(/no admin token: give --token or set ADMIN_TOKEN/);
  });

  it('exits 2 on usage errors: a URL that is not http(s), a bad --max-event-bytes, an unknown option, a missing --forward-to, --sign without a key', async () => {
    const cases = [
      [['--url', 'ftp://x', '--forward-to', local, '--token', TOKEN], /expected an http\(s\) URL/],
      [['--url', 'http://x', '--forward-to', local, '--token', TOKEN, '--max-event-bytes', '0'], /positive/],
      [
        ['--url', 'http://x', '--forward-to', local, '--token', TOKEN, '--sign'],
        /--sign needs a signing key/,
      ],
      [['--url', 'http://x', '--forward-to', local, '--token', TOKEN, '--since', 'a b'], /ISO-8601/],
      [['--url', 'http://x', '--forward-to', local, '--token', TOKEN, '--bogus'], /unknown option '--bogus'/],
      [['--url', 'http://x', '--token', TOKEN], /required option '--forward-to <url>' not specified/],
    ] as const;
    for (const [args, message] of cases) {
      const { exitCode, output } = await run([...args]);
      expect({ args, exitCode }).toEqual({ args, exitCode: 2 });
      expect(output).toMatch(message);
    }
  });

  it('exits 2 when the receiver refuses the token, and writes neither the token nor the secret', async () => {
    const url = await refusingReceiver();
    vi.stubEnv('ADMIN_TOKEN', TOKEN);
    const { exitCode, output } = await run(['--url', url, '--forward-to', local, '--secret', SECRET]);
    expect(exitCode).toBe(2);
    expect(output).toMatch(/refused the admin token \(HTTP 401\)/);
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain(SECRET);
  });

  it('keeps the variables out of --help', async () => {
    vi.stubEnv('ADMIN_TOKEN', TOKEN);
    vi.stubEnv('WEBHOOK_SECRET', SECRET);
    const { exitCode, output } = await run(['--help']);
    expect(exitCode).toBe(0);
    expect(output).toMatch(/--max-event-bytes/);
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain(SECRET);
  });
});
