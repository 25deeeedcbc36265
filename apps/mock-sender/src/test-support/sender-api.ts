import { afterEach } from 'vitest';
import { loadConfig } from '../config.js';
import { createMockSender, type MockSender, type MockSenderOptions } from '../mock-sender.js';
import type { DeliveryView } from '../outbox/outbox.js';
import { startTestReceiver, type TestReceiver } from './test-receiver.js';

/** a sender and receivers on loopback for an API test file; everything started is closed after each test */
export function useSenderApi() {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup();
    }
  });

  async function receiver(respond?: Parameters<typeof startTestReceiver>[0]): Promise<TestReceiver> {
    const started = await startTestReceiver(respond);
    cleanups.push(() => started.close());
    return started;
  }

  async function sender(
    env: Record<string, string> = {},
    options: MockSenderOptions = {},
  ): Promise<{ sender: MockSender; base: string }> {
    const config = loadConfig({
      DATABASE_URL: 'file::memory:',
      RETRY_TIME_SCALE: '0.001',
      LOG_LEVEL: 'silent',
      ...env,
    });
    const started = createMockSender(config, options);
    const base = await started.listen(0, '127.0.0.1');
    cleanups.push(() => started.close());
    return { sender: started, base };
  }

  return { receiver, sender, cleanups };
}

export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    // not json: the text is there to read
  }
  return { status: response.status, json, text };
}

export async function settled(base: string, id: string, timeoutMs = 5000): Promise<DeliveryView> {
  let view: DeliveryView | undefined;
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    view = (await call(base, 'GET', `/deliveries/${id}`)).json as unknown as DeliveryView;
    if (view.state === 'succeeded' || view.state === 'failed') {
      return view;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`delivery ${id} did not settle: ${JSON.stringify(view)}`);
}

export function deliveryIds(json: Record<string, unknown>): string[] {
  return (json.deliveries as { id: string }[]).map((delivery) => delivery.id);
}
