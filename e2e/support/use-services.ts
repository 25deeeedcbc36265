import { afterEach } from 'vitest';
import type { ServiceProcess } from './service-process.js';
import { withTempDir } from './temp-dir.js';

/**
 * per-test bookkeeping for e2e files: services started and temp dirs made in a test are
 * stopped and removed after it, whatever the test did
 */
export function useServices() {
  const services: ServiceProcess[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    await Promise.all(services.splice(0).map((service) => service.stop()));
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  });

  return {
    async track<T extends ServiceProcess>(starting: Promise<T>): Promise<T> {
      const service = await starting;
      services.push(service);
      return service;
    },
    async tempDir(): Promise<string> {
      const { dir, remove } = await withTempDir();
      cleanups.push(remove);
      return dir;
    },
    onCleanup(cleanup: () => Promise<void>): void {
      cleanups.push(cleanup);
    },
  };
}
