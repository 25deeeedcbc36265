import { describe, expect, it } from 'vitest';
import { createStatementBatcher, PartialBatchFailure } from './statement-batcher.js';

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

  it('retries the calls of a failed batch alone within maxInFlight, not all at once', async () => {
    let running = 0;
    let peak = 0;
    const sent: number[][] = [];
    const batcher = createStatementBatcher<number, number>({
      run: async (items) => {
        sent.push([...items]);
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 2));
        running -= 1;
        if (items.includes(-1)) throw new RowError('bad row');
        return items.map((item) => item * 10);
      },
      maxBatch: 100,
      maxInFlight: 2,
      gather: true,
      retryAlone: (error) => error instanceof RowError,
    });
    const calls = Array.from({ length: 20 }, (_, n) => (n === 7 ? -1 : n));
    const results = await Promise.allSettled(calls.map((n) => batcher.add(n)));
    expect(sent[0]).toEqual(calls);
    expect(sent.slice(1).every((batch) => batch.length === 1)).toBe(true);
    expect(sent).toHaveLength(1 + calls.length);
    expect(peak).toBe(2);
    expect(results.filter((result) => result.status === 'rejected')).toHaveLength(1);
    expect(results[3]).toEqual({ status: 'fulfilled', value: 30 });
  });

  it('runs a batch again when it only met another transaction, a bounded number of times', async () => {
    class Deadlock extends Error {}
    let failures = 2;
    const sent: number[][] = [];
    const batcher = createStatementBatcher<number, number>({
      run: async (items) => {
        sent.push([...items]);
        if (items.includes(-3) || failures-- > 0) throw new Deadlock('deadlock detected');
        return items.map((item) => item * 10);
      },
      maxBatch: 100,
      maxInFlight: 1,
      gather: true,
      retryAlone: () => false,
      retryBatch: (error) => error instanceof Deadlock,
      maxRetries: 3,
    });
    expect(await Promise.all([1, 2].map((n) => batcher.add(n)))).toEqual([10, 20]);
    expect(sent).toEqual([
      [1, 2],
      [1, 2],
      [1, 2],
    ]);
    // one that never gets through fails after the retries
    sent.length = 0;
    await expect(batcher.add(-3)).rejects.toBeInstanceOf(Deadlock);
    expect(sent).toHaveLength(4);
  });

  describe('a batch only part of which failed (the rest is committed)', () => {
    class Deadlock extends Error {}
    // odd items are done at once; even ones fail with `errors` in turn, then succeed
    function partlyFailing(errors: Error[]) {
      const sent: number[][] = [];
      const batcher = createStatementBatcher<number, number>({
        run: async (items) => {
          sent.push([...items]);
          const error = errors.shift();
          if (!error) return items.map((item) => item * 10);
          const done = new Map<number, number>();
          items.forEach((item, index) => {
            if (item % 2 === 1) done.set(index, item * 10);
          });
          throw new PartialBatchFailure(done, error);
        },
        maxBatch: 100,
        maxInFlight: 1,
        gather: true,
        retryAlone: (error) => error instanceof RowError,
        retryBatch: (error) => error instanceof Deadlock,
      });
      return { batcher, sent };
    }

    it('answers the done calls and runs only the failed ones again', async () => {
      const { batcher, sent } = partlyFailing([new Deadlock('deadlock detected')]);
      expect(await Promise.all([1, 2, 3, 4].map((n) => batcher.add(n)))).toEqual([10, 20, 30, 40]);
      expect(sent).toEqual([
        [1, 2, 3, 4],
        [2, 4],
      ]);
    });

    it('retries only the failed calls alone when a row was refused', async () => {
      const { batcher, sent } = partlyFailing([new RowError('bad row')]);
      expect(await Promise.all([1, 2, 3, 4].map((n) => batcher.add(n)))).toEqual([10, 20, 30, 40]);
      expect(sent).toEqual([[1, 2, 3, 4], [2], [4]]);
    });

    it('fails only the failed calls, with the cause, when the database is the problem', async () => {
      const down = new Error('database down');
      const { batcher, sent } = partlyFailing([down]);
      const results = await Promise.allSettled([1, 2, 3].map((n) => batcher.add(n)));
      expect(results).toEqual([
        { status: 'fulfilled', value: 10 },
        { status: 'rejected', reason: down },
        { status: 'fulfilled', value: 30 },
      ]);
      expect(sent).toHaveLength(1);
    });
  });
});
