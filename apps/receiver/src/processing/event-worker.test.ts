import type { WebhookEventOf } from '@omni-webhooks/schema';
import { createFakeEvent } from '@omni-webhooks/schema/fixtures';
import { pino } from 'pino';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createReceiverMetrics } from '../metrics.js';
import type { InboxStore } from '../store/inbox-store.js';
import { createSqliteInboxStore } from '../store/sqlite/sqlite-inbox-store.js';
import { type Harness, startHarness } from '../test-support/receiver-harness.js';
import type { WebhookReceiver } from '../webhook-receiver.js';
import { createEventWorker, type EventWorkerOptions } from './event-worker.js';
import { type ErrorContext, HandlerRegistry } from './handler-registry.js';
import { handlerRetryDelayMs } from './retry-backoff.js';

async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 3000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function withHarness(
  env: Record<string, string>,
  configure: (receiver: WebhookReceiver) => void,
  body: (harness: Harness) => Promise<void>,
) {
  const harness = await startHarness(env, { configure });
  try {
    await body(harness);
  } finally {
    await harness.close();
  }
}

describe('event worker', () => {
  it('calls the typed handler and the catch-all ones, then marks the event processed', async () => {
    const seen: string[] = [];
    await withHarness(
      {},
      (receiver) =>
        receiver
          .on('document.extracted', async (event, context) => {
            expectTypeOf(event).toEqualTypeOf<WebhookEventOf<'document.extracted'>>();
            seen.push(`typed ${event.documentId} attempt ${context.attempt}`);
          })
          .on('lead.created', () => {
            seen.push('wrong type');
          })
          .onAny((event) => {
            seen.push(`any ${event.event}`);
          }),
      async (harness) => {
        const event = createFakeEvent('document.extracted');
        const { json } = await harness.post(JSON.stringify(event));
        const stored = await eventually(
          async () => (await harness.admin(`/events/${json.id}`)).json,
          (value) => value.status === 'processed',
        );
        expect(stored).toMatchObject({ status: 'processed', handlerAttempts: 1, lastError: null });
        expect(stored.processedAt).toEqual(expect.any(String));
        expect(seen).toEqual([`typed ${event.documentId} attempt 1`, 'any document.extracted']);
      },
    );
  });

  it('retries a failing handler with backoff, then fails the event with its last error', async () => {
    const errors: { attempt: number; final: boolean }[] = [];
    const attemptsAt: number[] = [];
    await withHarness(
      { HANDLER_MAX_RETRIES: '2', HANDLER_RETRY_BASE_MS: '40' },
      (receiver) =>
        receiver
          .on('lead.created', (_event, { attempt }) => {
            attemptsAt.push(Date.now());
            throw new Error(`downstream refused (attempt ${attempt})`);
          })
          .onError((_error, _event, context) => {
            errors.push({ attempt: context.attempt, final: context.final });
          }),
      async (harness) => {
        const { json } = await harness.post(JSON.stringify(createFakeEvent('lead.created')));
        const stored = await eventually(
          async () => (await harness.admin(`/events/${json.id}`)).json,
          (value) => value.status === 'failed',
        );
        expect(stored).toMatchObject({
          status: 'failed',
          handlerAttempts: 3,
          lastError: 'Error: downstream refused (attempt 3)',
        });
        expect(errors).toEqual([
          { attempt: 1, final: false },
          { attempt: 2, final: false },
          { attempt: 3, final: true },
        ]);
        const [a = 0, b = 0, c = 0] = attemptsAt;
        expect(b - a).toBeGreaterThanOrEqual(40);
        expect(c - b).toBeGreaterThanOrEqual(80);
        const metrics = await (await fetch(`${harness.url}/metrics`)).text();
        expect(metrics).toMatch(/omni_receiver_handler_failures_total\{type="lead.created"\} 3/);
      },
    );
  });

  it('recovers when a later attempt succeeds', async () => {
    let calls = 0;
    await withHarness(
      {},
      (receiver) =>
        receiver.on('lead.updated', () => {
          calls += 1;
          if (calls === 1) throw new Error('flaky');
        }),
      async (harness) => {
        const { json } = await harness.post(JSON.stringify(createFakeEvent('lead.updated')));
        const stored = await eventually(
          async () => (await harness.admin(`/events/${json.id}`)).json,
          (value) => value.status === 'processed',
        );
        expect(stored).toMatchObject({ status: 'processed', handlerAttempts: 2, lastError: 'Error: flaky' });
      },
    );
  });

  it('answers 200 without waiting for handlers, and shutdown lets a running handler finish', async () => {
    let release: () => void = () => {};
    let started = false;
    let finished = false;
    const harness = await startHarness(
      {},
      {
        configure: (receiver) =>
          receiver.onAny(async () => {
            started = true;
            await new Promise<void>((resolve) => {
              release = resolve;
            });
            finished = true;
          }),
      },
    );
    const { status, json } = await harness.post(JSON.stringify(createFakeEvent('lead.completed')));
    expect(status).toBe(200);
    await eventually(async () => started, Boolean);
    expect(started).toBe(true);
    expect(finished).toBe(false);
    expect(json.status).toBe('accepted');
    const closing = harness.close();
    setTimeout(() => release(), 50);
    await closing;
    expect(finished).toBe(true);
  });
});

/** a worker on an in-memory store, driven by the test */
async function storeWorker(
  configure: (handlers: HandlerRegistry) => void,
  wrap: (store: InboxStore) => InboxStore = (store) => store,
  options: Partial<EventWorkerOptions> = {},
) {
  const base = createSqliteInboxStore({ filename: ':memory:' });
  await base.migrate();
  const store = wrap(base);
  const handlers = new HandlerRegistry();
  configure(handlers);
  const worker = createEventWorker({ store, handlers, logger: pino({ level: 'silent' }), ...options });
  const insert = async (type: 'lead.created' | 'lead.updated' = 'lead.created') =>
    (
      await base.insert({
        dedupeKey: `k-${Math.random()}`,
        type,
        status: 'received',
        payload: JSON.stringify(createFakeEvent(type)),
        receivedAt: new Date(),
      })
    ).id;
  return { base, store, worker, insert };
}

describe('event worker on a store', () => {
  it('does not count a failed completion as a handler failure', async () => {
    const errors: unknown[] = [];
    let fails = 0;
    const { base, worker, insert } = await storeWorker(
      (handlers) => handlers.onAny(() => {}).onError((error) => void errors.push(error)),
      (store) => ({
        ...store,
        complete: async () => {
          throw new Error('connection reset');
        },
        fail: async (...args) => {
          fails += 1;
          return store.fail(...args);
        },
      }),
    );
    const id = await insert();
    expect(await worker.runOnce()).toBe(1);
    expect(errors).toEqual([]);
    expect(fails).toBe(0);
    // left to its lease: still received, no error recorded
    expect(await base.get(id)).toMatchObject({ status: 'received', handlerAttempts: 1, lastError: null });
    await base.close();
  });
});

describe('event worker: events leased at insert (handoff)', () => {
  async function handoffWorker(concurrency: number) {
    let claims = 0;
    const releases: (() => void)[] = [];
    const seen: string[] = [];
    const setup = await storeWorker(
      (handlers) =>
        handlers.onAny(
          (_event, { id }) =>
            new Promise<void>((resolve) => {
              seen.push(id);
              releases.push(resolve);
            }),
        ),
      (store) => ({
        ...store,
        claim: async (options) => {
          claims += 1;
          return store.claim(options);
        },
      }),
      { concurrency, pollIntervalMs: 60_000 },
    );
    const { base, worker } = setup;
    expect(worker.reserve()).toBeUndefined();
    worker.start();
    // the first claim comes after the old leases are released, and handoffs open with it
    await expect.poll(() => claims).toBe(1);
    const handOver = async (key: string) => {
      const slot = worker.reserve();
      if (!slot) throw new Error('no handoff slot');
      const result = await base.insert({
        dedupeKey: key,
        type: 'lead.created',
        status: 'received',
        payload: JSON.stringify(createFakeEvent('lead.created')),
        receivedAt: new Date(),
        leaseMs: slot.leaseMs,
      });
      slot.settle(result);
      return result.id;
    };
    return { base, worker, handOver, releases, seen, claims: () => claims };
  }

  it('runs them without a claim, queueing those beyond its free slots in order', async () => {
    const { base, worker, handOver, releases, seen, claims } = await handoffWorker(1);
    const first = await handOver('a');
    const second = await handOver('b');
    await expect.poll(() => seen).toEqual([first]);
    releases[0]?.();
    await expect.poll(() => seen).toEqual([first, second]);
    releases[1]?.();
    await expect.poll(async () => (await base.get(second))?.status).toBe('processed');
    expect(await base.get(first)).toMatchObject({ status: 'processed', handlerAttempts: 1 });
    expect(claims()).toBe(1);
    await worker.stop(1000);
    await base.close();
  });

  it('queues at most four times its concurrency, and leaves queued events to the next start when stopped', async () => {
    const { base, worker, handOver, seen } = await handoffWorker(1);
    const running = await handOver('running');
    const queued = await Promise.all(['q1', 'q2', 'q3', 'q4'].map(handOver));
    await expect.poll(() => seen).toEqual([running]);
    // one running and four waiting: the next event goes to the claim loop instead
    const refused = worker.reserve();
    expect(refused).toBeUndefined();
    await worker.stop(50);
    expect(worker.reserve()).toBeUndefined();
    expect(seen).toEqual([running]);
    // their leases stay until a restart releases them, so nothing else runs them meanwhile
    expect(await base.claim({ limit: 10, leaseMs: 1000 })).toEqual([]);
    expect(await base.releaseOrphanedLeases()).toBe(5);
    const claimed = await base.claim({ limit: 10, leaseMs: 1000 });
    expect(claimed.map((event) => event.id).sort()).toEqual([running, ...queued].sort());
    await base.close();
  });

  it('gives the handler the event the ingest validated, without parsing the payload again', async () => {
    const received: unknown[] = [];
    const { base, worker } = await storeWorker((handlers) =>
      handlers.onAny((event) => void received.push(event)),
    );
    worker.start();
    // handoffs open once the previous run's leases are released
    await expect
      .poll(() => {
        const probe = worker.reserve();
        probe?.settle(undefined);
        return probe;
      })
      .toBeDefined();
    const slot = worker.reserve();
    const event = createFakeEvent('lead.created');
    const result = await base.insert({
      dedupeKey: 'validated',
      type: 'lead.created',
      status: 'received',
      // not the event's json: the worker must not read it
      payload: '{"event":"lead.created"}',
      receivedAt: new Date(),
      ...(slot ? { leaseMs: slot.leaseMs } : {}),
    });
    expect(result.claimed).toBeDefined();
    slot?.settle(result, event);
    await expect.poll(async () => (await base.get(result.id))?.status).toBe('processed');
    expect(received).toHaveLength(1);
    expect(received[0]).toBe(event);
    await worker.stop(1000);
    await base.close();
  });

  it('frees the slot of an insert that did not lease its event', async () => {
    const { base, worker } = await handoffWorker(1);
    const slots = [1, 2, 3, 4].map(() => worker.reserve());
    expect(slots.every((slot) => slot !== undefined)).toBe(true);
    expect(worker.reserve()).toBeUndefined();
    slots[0]?.settle(undefined);
    expect(worker.reserve()).toBeDefined();
    await worker.stop(50);
    await base.close();
  });
});

describe('event worker: slow, hung and long handlers', () => {
  it('keeps processing other events while one handler hangs', async () => {
    let hung = 0;
    const done: string[] = [];
    await withHarness(
      { SHUTDOWN_TIMEOUT_MS: '200' },
      (receiver) =>
        receiver
          .on('lead.created', async () => {
            hung += 1;
            await new Promise(() => {});
          })
          .on('lead.updated', (event) => void done.push(event.data.leadId)),
      async (harness) => {
        await harness.post(JSON.stringify(createFakeEvent('lead.created')));
        await expect.poll(() => hung).toBe(1);
        const later = createFakeEvent('lead.updated');
        const { json } = await harness.post(JSON.stringify(later));
        const stored = await eventually(
          async () => (await harness.admin(`/events/${json.id}`)).json,
          (value) => value.status === 'processed',
        );
        expect(stored.status).toBe('processed');
        expect(done).toEqual([later.data.leadId]);
      },
    );
  });

  it('aborts an attempt past HANDLER_TIMEOUT_MS, counts it as a failure and retries it', async () => {
    const reasons: unknown[] = [];
    await withHarness(
      { HANDLER_TIMEOUT_MS: '100' },
      (receiver) =>
        receiver.on('lead.completed', async (_event, { attempt, signal }) => {
          if (attempt > 1) return;
          await new Promise((resolve) => signal.addEventListener('abort', resolve));
          reasons.push(signal.reason);
        }),
      async (harness) => {
        const { json } = await harness.post(JSON.stringify(createFakeEvent('lead.completed')));
        const stored = await eventually(
          async () => (await harness.admin(`/events/${json.id}`)).json,
          (value) => value.status === 'processed',
        );
        expect(stored).toMatchObject({
          status: 'processed',
          handlerAttempts: 2,
          lastError: 'HandlerTimeoutError: handler timed out after 100 ms',
        });
        expect(reasons).toEqual([expect.objectContaining({ name: 'HandlerTimeoutError' })]);
      },
    );
  });

  it('renews the lease of a handler that outlives it, so no other worker claims the event', async () => {
    let release: () => void = () => {};
    const { base, worker, insert } = await storeWorker(
      (handlers) =>
        handlers.onAny(
          () =>
            new Promise<void>((resolve) => {
              release = resolve;
            }),
        ),
      undefined,
      { leaseMs: 1000, handlerTimeoutMs: 10_000 },
    );
    const id = await insert();
    const running = worker.runOnce();
    // another replica polls for due events for three leases' time; renewals every third of a lease
    // leave room for an event-loop stall of two thirds of one on a loaded machine
    for (let i = 0; i < 12; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await base.claim({ limit: 10, leaseMs: 1000 })).toEqual([]);
    }
    release();
    expect(await running).toBe(1);
    expect(await base.get(id)).toMatchObject({ status: 'processed', handlerAttempts: 1 });
    await base.close();
  });
});

describe('handlerRetryDelayMs', () => {
  it('doubles from the base and caps at one hour', () => {
    expect([1, 2, 3, 4].map((n) => handlerRetryDelayMs(n, 1000))).toEqual([1000, 2000, 4000, 8000]);
    expect(handlerRetryDelayMs(40, 1000)).toBe(3_600_000);
  });
});

describe('event worker: an event whose last attempt never finished', () => {
  it('reports it to the error handlers once, as final, logs it once and counts it as a failure', async () => {
    const errors: { error: unknown; event: unknown; context: ErrorContext }[] = [];
    const dispatched: string[] = [];
    const logs: { msg?: string; id?: string }[] = [];
    const metrics = createReceiverMetrics();
    const { base, worker, insert } = await storeWorker(
      (handlers) =>
        handlers
          .onAny((_event, { id }) => void dispatched.push(id))
          .onError((error, event, context) => void errors.push({ error, event, context })),
      undefined,
      {
        maxRetries: 1,
        metrics,
        logger: pino(
          { level: 'warn' },
          { write: (line: string) => void logs.push(JSON.parse(line) as { msg?: string; id?: string }) },
        ),
      },
    );
    const id = await insert();
    // both allowed attempts crash the process: their leases run out, nothing is recorded
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      expect(await base.claim({ limit: 1, leaseMs: 1 })).toMatchObject([{ id, handlerAttempts: attempt }]);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const payload = JSON.parse((await base.get(id))?.payload ?? '') as unknown;
    expect(await worker.runOnce()).toBe(1);
    expect(dispatched).toEqual([]);
    expect(errors).toEqual([
      {
        error: expect.objectContaining({
          name: 'HandlerNeverFinishedError',
          message: expect.stringMatching(/^handler never finished: .* attempt 2$/),
        }),
        event: payload,
        context: expect.objectContaining({ id, type: 'lead.created', attempt: 2, final: true }),
      },
    ]);
    expect(await base.get(id)).toMatchObject({ status: 'failed', handlerAttempts: 2 });
    expect(logs.filter((line) => line.id === id)).toEqual([
      expect.objectContaining({ msg: 'handler never finished its last attempt; failed for good' }),
    ]);
    expect(await metrics.registry.metrics()).toMatch(
      /omni_receiver_handler_failures_total\{type="lead.created"\} 1/,
    );
    // another poll (this replica's or any other's) does not report it again
    expect(await worker.runOnce()).toBe(0);
    expect(errors).toHaveLength(1);
    await base.close();
  });
});
