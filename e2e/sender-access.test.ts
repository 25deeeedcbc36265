import { describe, expect, test } from 'vitest';
import { SENDER_API_TOKEN, startSender } from './support/stack.js';
import { useServices } from './support/use-services.js';

const { track, tempDir } = useServices();

describe('the mock sender service with SENDER_API_TOKEN', () => {
  test('answers /healthz to anyone and its API only with the token', async () => {
    const sender = await track(
      startSender({
        dir: await tempDir(),
        secret: 'e2e-secret',
        targetUrl: 'http://127.0.0.1:9/hook',
        timeScale: 1,
      }),
    );
    expect((await fetch(`${sender.url}/healthz`)).status).toBe(200);
    const post = (headers: Record<string, string>) =>
      fetch(`${sender.url}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ event: 'lead.created' }),
      });
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: 'Bearer e2e-wrong-token-0123456789' })).status).toBe(401);
    expect((await post({ authorization: `Bearer ${SENDER_API_TOKEN}` })).status).toBe(202);
  });

  test('refuses to start on a non-loopback HOST without a token, naming the variable', async () => {
    const starting = startSender({
      dir: await tempDir(),
      secret: 'e2e-secret',
      targetUrl: 'http://127.0.0.1:9/hook',
      timeScale: 1,
      // refused while reading the configuration: nothing ever listens on 0.0.0.0
      env: { HOST: '0.0.0.0', SENDER_API_TOKEN: '' },
    });
    await expect(starting).rejects.toThrow(
      /sender exited with 2:[\s\S]*invalid SENDER_API_TOKEN: HOST=0\.0\.0\.0/,
    );
  });
});
