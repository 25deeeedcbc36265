import { Worker } from 'node:worker_threads';
import { SQLITE_DRIVER_MODULE } from '@omni-webhooks/sqlite';

/**
 * sqlite's automatic checkpoint runs inside the commit that crosses its threshold, on the event loop:
 * copying wal frames into the database was about 40 % of the commit time. a second connection on a
 * worker thread checkpoints passively instead (a passive checkpoint never blocks the writer, nor waits
 * for it); the writer's automatic checkpoint, at a higher threshold, stays as a backstop
 */
export interface WalCheckpointer {
  /** stops the thread and closes its connection; call before the writer's connection closes */
  close(): Promise<void>;
}

// plain commonjs, so it runs from source (tests) and from dist alike; the driver's path from @omni-webhooks/sqlite
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.filename);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage(String(error));
  }
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export function startWalCheckpointer(
  filename: string,
  options: { intervalMs: number; onError: (message: string) => void },
): WalCheckpointer {
  const worker = new Worker(THREAD_SOURCE, {
    eval: true,
    // a parent started with --input-type=module would make this source esm, where require is missing
    execArgv: [],
    workerData: { driver: SQLITE_DRIVER_MODULE, filename, intervalMs: options.intervalMs },
  });
  // the process may exit without closing the store
  worker.unref();
  worker.on('message', (message: unknown) => options.onError(String(message)));
  worker.on('error', (error) => options.onError(error.message));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async close() {
      // an unref'd worker lets the loop empty while close() awaits its exit (node exits with code 13)
      worker.ref();
      worker.postMessage('close');
      await exited;
    },
  };
}
