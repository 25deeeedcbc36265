import { describe, expect, it } from 'vitest';
import { createStatementBatcher } from './statement-batcher.js';

class RowError extends Error {}

function recordingBatcher(options: { gather?: boolean; maxInFlight?: number; maxBatch?: number } = {}) {
  const batches: number[][] = [];
  const release: (() => void)[] = [];
  const batcher = createStatementBatcher<number, number>({
    run: async (items) => {
      batches.push([...items]);
      await new Promise<void>((resolve) => release.push(resolve));
      if (items.includes(-1)) throw items.length > 1 ? new RowError('bad row') : new RowError('still bad');
      if (items.includes(-2)) throw new Error('database down');
      return items.map((item) => item * 10);
    },
    maxBatch: options.maxBatch ?? 100,
    maxInFlight: options.maxInFlight ?? 1,
    gather: options.gather ?? true,
    retryAlone: (error) => error instanceof RowError,
  });
  const releaseAll = async () => {
    while (release.length > 0) release.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { batcher, batches, releaseAll };
}

async function settle<T>(promises: Promise<T>[], releaseAll: () => Promise<void>) {
  const all = Promise.allSettled(promises);
  for (let i = 0; i < 10; i += 1) await releaseAll();
  return all;
}

describe('statement batcher', () => {
  it('sends calls of one tick as one statement and answers each in order', async () => {
    const { batcher, batches, releaseAll } = recordingBatcher();
    const results = await settle(
      [1, 2, 3].map((n) => batcher.add(n)),
      releaseAll,
    );
    expect(batches).toEqual([[1, 2, 3]]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : r.reason))).toEqual([10, 20, 30]);
  });

  it('gathers the calls made while a statement is in flight into the next one', async () => {
    const { batcher, batches, releaseAll } = recordingBatcher({ maxInFlight: 1 });
    const first = batcher.add(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [2, 3, 4].map((n) => batcher.add(n));
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[1]]);
    await settle([first, ...later], releaseAll);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('splits at maxBatch', async () => {
    const { batcher, batches, releaseAll } = recordingBatcher({ maxBatch: 2, maxInFlight: 5 });
    await settle(
      [1, 2, 3, 4, 5].map((n) => batcher.add(n)),
      releaseAll,
    );
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('retries each call alone when the statement failed over a row, so only that call fails', async () => {
    const { batcher, releaseAll } = recordingBatcher();
    const results = await settle(
      [1, -1, 3].map((n) => batcher.add(n)),
      releaseAll,
    );
    expect(results[0]).toEqual({ status: 'fulfilled', value: 10 });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: new RowError('still bad') });
    expect(results[2]).toEqual({ status: 'fulfilled', value: 30 });
  });

  it('fails the whole batch at once when the database is the problem', async () => {
    const { batcher, batches, releaseAll } = recordingBatcher();
    const results = await settle(
      [1, -2, 3].map((n) => batcher.add(n)),
      releaseAll,
    );
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(batches).toHaveLength(1);
  });

  it('sends each call alone without gathering, and drains what is in flight', async () => {
    const { batcher, batches, releaseAll } = recordingBatcher({ gather: false });
    const calls = [1, 2].map((n) => batcher.add(n));
    expect(batches).toEqual([[1], [2]]);
    const drained = batcher.drain();
    await settle(calls, releaseAll);
    await expect(drained).resolves.toBeUndefined();
  });
});
