import { closeSync, fdatasync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * durability of committed wal frames without blocking the event loop: sqlite runs with
 * synchronous=NORMAL (commits only write() the wal; checkpoints still sync), and each commit waits for
 * an fdatasync of the wal that started after it, on the libuv thread pool. syncs are coalesced: every
 * commit made while one sync runs shares the next one.
 */
export interface WalSync {
  /** resolves once everything committed before the call is on disk */
  afterCommit(): Promise<void>;
  close(): void;
}

export function createWalSync(walPath: string): WalSync {
  const fd = openSync(walPath, 'r+');
  // the wal's directory entry is durable once; later syncs only need the file's data
  const dirFd = openSync(dirname(walPath), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
  let syncing = false;
  let waiting: { resolve: () => void; reject: (error: unknown) => void }[] = [];

  function startSync(): void {
    syncing = true;
    const batch = waiting;
    waiting = [];
    fdatasync(fd, (error) => {
      syncing = false;
      for (const waiter of batch) {
        if (error) waiter.reject(error);
        else waiter.resolve();
      }
      if (waiting.length > 0) startSync();
    });
  }

  return {
    afterCommit() {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ resolve, reject });
        if (!syncing) startSync();
      });
    },
    close() {
      closeSync(fd);
    },
  };
}
