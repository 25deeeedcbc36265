import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createFakeEvent } from '@omni-webhooks/schema/fixtures';
import Koa from 'koa';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { resolveReceiverOptions } from './receiver-options.js';
import { createSqliteInboxStore } from './store/sqlite/sqlite-inbox-store.js';
import { createWebhookReceiver } from './webhook-receiver.js';

const SECRET = 'receiver-options-secret';

describe('receiver options', () => {
  it('fills each group from the deprecated flat options it leaves unset, naming them', () => {
    const store = createSqliteInboxStore({ filename: ':memory:' });
    const resolved = resolveReceiverOptions({
      store,
      secrets: ['flat secret'],
      handlerLeaseMs: 1000,
      handlerConcurrency: 2,
      driftDetection: false,
      worker: { leaseMs: 5000 },
      ingest: { bodyLimitBytes: 10 },
    });
    expect(resolved.auth).toEqual({ secrets: ['flat secret'] });
    // a group's own value wins over its flat twin
    expect(resolved.worker).toEqual({ leaseMs: 5000, concurrency: 2 });
    expect(resolved.ingest).toEqual({ bodyLimitBytes: 10 });
    expect(resolved.drift).toEqual({ detection: false });
    expect(resolved.flat).toEqual(['secrets', 'handlerLeaseMs', 'handlerConcurrency', 'driftDetection']);
  });

  it('needs secrets, in auth or flat', () => {
    const store = createSqliteInboxStore({ filename: ':memory:' });
    expect(() => resolveReceiverOptions({ store })).toThrow(/auth\.secrets/);
    expect(resolveReceiverOptions({ store, auth: { secrets: [SECRET] } }).flat).toEqual([]);
  });

  it('still honours flat options for one release, and warns that they are deprecated', async () => {
    const store = createSqliteInboxStore({ filename: ':memory:' });
    await store.migrate();
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const receiver = createWebhookReceiver({ store, logger, secrets: [SECRET], bodyLimitBytes: 64 });
    expect(lines.join('')).toContain('flat options are deprecated');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ options: ['secrets', 'bodyLimitBytes'] });
    const server = new Koa().use(receiver).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRET },
        body: JSON.stringify(createFakeEvent('lead.created')),
      });
      expect(response.status).toBe(413);
    } finally {
      server.close();
      await store.close();
    }
  });
});
