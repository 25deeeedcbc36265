import { connect } from 'node:net';
import { createFakeEvent } from '@omni-webhooks/schema/fixtures';
import { describe, expect, it } from 'vitest';
import { SECRETS, startHarness } from '../test-support/receiver-harness.js';

describe('receiver shutdown', () => {
  it('shares one SHUTDOWN_TIMEOUT_MS between a stuck request and a stuck handler', async () => {
    let handlerStarted = false;
    const harness = await startHarness(
      { SHUTDOWN_TIMEOUT_MS: '1500' },
      {
        configure: (receiver) =>
          receiver.onAny(async () => {
            handlerStarted = true;
            await new Promise(() => {});
          }),
      },
    );
    await harness.post(JSON.stringify(createFakeEvent('lead.created')));
    await expect.poll(() => handlerStarted).toBe(true);
    // an authenticated request whose body never finishes keeps server.close() waiting until the deadline
    const { port } = new URL(harness.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST /webhooks/omniai HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n');
    socket.write(`x-webhook-secret: ${SECRETS[0]}\r\n`);
    socket.write('content-length: 100\r\n\r\n{"event":');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await harness.close();
    const took = Date.now() - started;
    socket.destroy();
    // one shared deadline: about 1.5 s, where a deadline each would take 3 s
    expect(took).toBeGreaterThanOrEqual(1450);
    expect(took).toBeLessThan(2500);
  });
});
