// the engine of a command line run (send, replay, scenario): the full delivery contract on a throwaway
// in-memory outbox, which lives as long as the run; close the database once the run is over
import { DELIVERY_TIMEOUT_MS, type SuccessRule } from '@omni-webhooks/contract';
import { openDatabase, type SqliteDatabase } from '../outbox/database.js';
import { Outbox } from '../outbox/outbox.js';
import type { TargetGuard } from '../targets/target-guard.js';
import { DeliveryEngine } from './delivery-engine.js';

export interface InMemoryEngineOptions {
  /** deliveries in flight at once, to the one endpoint too */
  concurrency: number;
  timeoutMs?: number | undefined;
  retryTimeScale?: number | undefined;
  successRule?: SuccessRule | undefined;
  targets?: TargetGuard | undefined;
}

export function openInMemoryEngine(options: InMemoryEngineOptions): {
  db: SqliteDatabase;
  outbox: Outbox;
  engine: DeliveryEngine;
} {
  const db = openDatabase('file::memory:');
  const outbox = new Outbox(db);
  const engine = new DeliveryEngine({
    outbox,
    timeoutMs: options.timeoutMs ?? DELIVERY_TIMEOUT_MS,
    retryTimeScale: options.retryTimeScale ?? 1,
    successRule: options.successRule ?? '200',
    concurrency: options.concurrency,
    endpointConcurrency: options.concurrency,
    targets: options.targets,
  });
  return { db, outbox, engine };
}
