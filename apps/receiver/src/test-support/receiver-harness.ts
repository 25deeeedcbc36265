import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../service/config.js';
import {
  type RunningReceiver,
  type StartReceiverOptions,
  startReceiver,
} from '../service/receiver-server.js';

export const SECRETS = ['current-secret-0123456789', 'previous-secret-abcdefghij'] as const;
export const SIGNING_KEYS = [
  'whsec_Y3VycmVudC1zaWduaW5nLWtleS0wMTIzNDU2Nzg5',
  'whsec_cHJldmlvdXMtc2lnbmluZy1rZXktYWJjZGVmZ2hpams=',
] as const;
export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';

export interface Harness extends RunningReceiver {
  post(body: string | Buffer, headers?: Record<string, string>): Promise<{ status: number; json: JsonBody }>;
  admin(path: string): Promise<{ status: number; json: JsonBody }>;
  close(): Promise<void>;
}

// loose view of response bodies for assertions
// biome-ignore lint/suspicious/noExplicitAny: test-only view of arbitrary json
export type JsonBody = any;

/** a real receiver on 127.0.0.1:0 with a temp sqlite file; env overrides as the service reads them */
export async function startHarness(
  env: Record<string, string> = {},
  options: StartReceiverOptions = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'receiver-http-'));
  const config = loadConfig({
    WEBHOOK_SECRET: SECRETS.join(','),
    // both ways in: the secret header, or a signature with one of the keys
    WEBHOOK_SIGNING_KEYS: SIGNING_KEYS.join(','),
    SIGNATURE_MODE: 'optional',
    ADMIN_TOKEN,
    PORT: '0',
    DATABASE_URL: `file:${join(dir, 'inbox.sqlite')}`,
    HANDLER_RETRY_BASE_MS: '5',
    ...env,
  });
  const running = await startReceiver(config, {
    logger: pino({ level: 'silent' }),
    pollIntervalMs: 20,
    configure: () => {},
    ...options,
  });
  return {
    ...running,
    async post(body, headers = {}) {
      const response = await fetch(`${running.url}/webhooks/omniai`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRETS[0], ...headers },
        body,
      });
      return { status: response.status, json: await response.json() };
    },
    async admin(path) {
      const response = await fetch(`${running.url}${path}`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      return { status: response.status, json: await response.json() };
    },
    async close() {
      await running.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
