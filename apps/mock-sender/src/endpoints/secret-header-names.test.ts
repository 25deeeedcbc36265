import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { useSenderApi } from '../test-support/sender-api.js';

const api = useSenderApi();

const REFUSED = [
  'host',
  'Content-Length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'expect',
  'content-type',
  'webhook-signature',
  'user-agent',
];

describe('secret header names', () => {
  it('POST /endpoints refuses framing, hop-by-hop, routing and sender-set names with a 400 naming the header', async () => {
    const { base, sender } = await api.sender();
    for (const secretHeader of REFUSED) {
      const response = await fetch(`${base}/endpoints`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url: 'http://127.0.0.1:9/h', secret: 's', secretHeader }),
      });
      expect(response.status, secretHeader).toBe(400);
      const text = await response.text();
      expect(text, secretHeader).toContain(`\\"${secretHeader.toLowerCase()}\\"`);
    }
    expect(sender.endpoints.list()).toHaveLength(0);
    const accepted = await fetch(`${base}/endpoints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://127.0.0.1:9/h', secret: 's', secretHeader: 'x-omni-secret' }),
    });
    expect(accepted.status).toBe(201);
  });

  it('WEBHOOK_SECRET_HEADER refuses them too, naming the variable and the header', () => {
    for (const name of REFUSED) {
      expect(() => loadConfig({ WEBHOOK_SECRET_HEADER: name }), name).toThrow(ConfigError);
      expect(() => loadConfig({ WEBHOOK_SECRET_HEADER: name }), name).toThrow(
        new RegExp(`invalid WEBHOOK_SECRET_HEADER: "${name.toLowerCase()}" is a request-framing`),
      );
    }
    expect(loadConfig({ WEBHOOK_SECRET_HEADER: 'x-team-secret' }).secretHeader).toBe('x-team-secret');
  });
});
