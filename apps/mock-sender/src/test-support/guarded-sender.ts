import { request } from 'node:http';
import { Writable } from 'node:stream';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { createMockSender, type MockSender, type MockSenderOptions } from '../mock-sender.js';

export const TOKENS = ['alpha-token-0123456789', 'bravo-token-0123456789'] as const;

/** every line the sender logged, as written (JSON) */
export interface CapturedLog {
  lines: string[];
  records(): Record<string, unknown>[];
}

export interface StartedSender {
  sender: MockSender;
  base: string;
  log: CapturedLog;
}

/** a sender on 127.0.0.1 with the two TOKENS, logging to memory through the service's own redaction */
export async function startGuardedSender(
  env: Record<string, string> = {},
  options: MockSenderOptions = {},
  listen = true,
): Promise<StartedSender> {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger('info', stream);
  const sender = createMockSender(
    loadConfig({
      DATABASE_URL: 'file::memory:',
      RETRY_TIME_SCALE: '0.001',
      SENDER_API_TOKEN: TOKENS.join(','),
      ...env,
    }),
    { logger, access: { failureDelayMs: 20, failedSignIns: { maxFailures: 1000 } }, ...options },
  );
  // always on loopback: a HOST in env only shapes the configuration
  const base = listen ? await sender.listen(0, '127.0.0.1') : '';
  return {
    sender,
    base,
    log: { lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) },
  };
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** a request with headers fetch will not send (Host) or would add (Sec-Fetch-*) */
export function rawRequest(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawAnswer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const sent = request({ hostname, port, path, method, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
      );
    });
    sent.on('error', reject);
    sent.end(body);
  });
}
