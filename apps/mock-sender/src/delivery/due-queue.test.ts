import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DueQueue } from './due-queue.js';

/** a store of waiting items: due time by name */
function createStore(items: Record<string, number>) {
  const waiting = new Map(Object.entries(items));
  const claims: number[] = [];
  return {
    waiting,
    claims,
    earliest: () => (waiting.size ? Math.min(...waiting.values()) : undefined),
    claim: (now: number, limit: number) => {
      const due = [...waiting].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]);
      const batch = due.slice(0, limit).map(([name]) => name);
      for (const name of batch) {
        waiting.delete(name);
      }
      claims.push(batch.length);
      return batch;
    },
  };
}

function createQueue(store: ReturnType<typeof createStore>, woken: string[], batchSize = 10) {
  return new DueQueue<string>({
    earliest: store.earliest,
    claim: store.claim,
    wake: (name) => woken.push(name),
    clock: Date.now,
    batchSize,
    onError: () => undefined,
  });
}

beforeEach(() => vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
afterEach(() => vi.useRealTimers());

describe('due-queue', () => {
  it('keeps one timer, armed for the soonest item, and wakes items in due order', () => {
    const store = createStore({ c: 300, a: 100, b: 200 });
    const woken: string[] = [];
    const queue = createQueue(store, woken);
    queue.start();
    expect(queue.armedAt).toBe(100);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(99);
    expect(woken).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(woken).toEqual(['a']);
    expect(queue.armedAt).toBe(200);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(200);
    expect(woken).toEqual(['a', 'b', 'c']);
    expect(queue.armedAt).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('re-arms for a sooner item and ignores a later one', () => {
    const store = createStore({ late: 500 });
    const woken: string[] = [];
    const queue = createQueue(store, woken);
    queue.start();
    store.waiting.set('soon', 50);
    queue.notify(50);
    expect(queue.armedAt).toBe(50);
    store.waiting.set('later', 900);
    queue.notify(900);
    expect(queue.armedAt).toBe(50);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(woken).toEqual(['soon', 'late', 'later']);
  });

  it('claims a due backlog in batches within one wake', () => {
    const store = createStore(Object.fromEntries(Array.from({ length: 25 }, (_, n) => [`d${n}`, 10])));
    const woken: string[] = [];
    const queue = createQueue(store, woken, 10);
    queue.start();
    vi.advanceTimersByTime(10);
    expect(woken).toHaveLength(25);
    expect(store.claims).toEqual([10, 10, 5]);
  });

  it('stop() cancels the timer and settles nextWake()', async () => {
    const store = createStore({ a: 100 });
    const woken: string[] = [];
    const queue = createQueue(store, woken);
    queue.start();
    const wake = queue.nextWake();
    queue.stop();
    await wake;
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(woken).toEqual([]);
  });

  it('caps a distant wake at the longest timer delay and re-arms when it comes', () => {
    const far = 40 * 24 * 3600 * 1000;
    const store = createStore({ far });
    const woken: string[] = [];
    const queue = createQueue(store, woken);
    queue.start();
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(woken).toEqual([]);
    expect(queue.armedAt).toBe(far);
    vi.advanceTimersByTime(far);
    expect(woken).toEqual(['far']);
  });

  it('wakes no more than its capacity, stays unarmed when full, and wakes the rest when notified', () => {
    const store = createStore(Object.fromEntries(Array.from({ length: 25 }, (_, n) => [`d${n}`, 0])));
    const woken: string[] = [];
    let running = 0;
    const queue = new DueQueue<string>({
      earliest: store.earliest,
      claim: store.claim,
      wake: (name) => {
        running++;
        woken.push(name);
      },
      capacity: () => 4 - running,
      clock: Date.now,
      batchSize: 10,
      onError: () => undefined,
    });
    queue.start();
    vi.advanceTimersByTime(0);
    expect(woken).toHaveLength(4);
    expect(queue.armedAt).toBeUndefined();
    vi.advanceTimersByTime(60_000);
    expect(woken).toHaveLength(4);
    running = 1;
    queue.notify(Date.now());
    vi.advanceTimersByTime(0);
    expect(woken).toHaveLength(7);
    expect(store.claims).toEqual([4, 3]);
  });

  it('reports a failing store and asks again a second later', () => {
    const errors: unknown[] = [];
    let failing = true;
    const store = createStore({ a: 10 });
    const woken: string[] = [];
    const queue = new DueQueue<string>({
      earliest: store.earliest,
      claim: (now, limit) => {
        if (failing) {
          throw new Error('database is locked');
        }
        return store.claim(now, limit);
      },
      wake: (name) => woken.push(name),
      clock: Date.now,
      batchSize: 10,
      onError: (error) => errors.push(error),
    });
    queue.start();
    vi.advanceTimersByTime(10);
    expect(errors).toHaveLength(1);
    expect(queue.armedAt).toBe(1010);
    failing = false;
    vi.advanceTimersByTime(1000);
    expect(woken).toEqual(['a']);
  });
});
