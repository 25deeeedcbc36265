import type { Logger } from 'pino';
import type { ClaimedEvent, InboxQueue } from '../store/inbox-store.js';
import { describeError } from './describe-error.js';

/** an event this process holds the lease of: renewed every third of the lease until `end()` */
export interface AttemptLease {
  /** aborted when the lease is lost, or at a shutdown that outlasts its timeout */
  readonly controller: AbortController;
  /** stops renewing; the store's complete or fail then settles the lease */
  end(): void;
}

export interface AttemptLeases {
  /** from the moment this process holds the lease: renewed while the event waits for a slot too */
  begin(claimed: ClaimedEvent): AttemptLease;
  /** leases not yet ended */
  readonly held: number;
  /** ends every held lease and aborts its attempt with `reason` */
  abandonAll(reason: Error): void;
}

export interface AttemptLeaseOptions {
  store: Pick<InboxQueue, 'renewLease'>;
  leaseMs: number;
  logger: Logger;
}

export function createAttemptLeases({ store, leaseMs, logger }: AttemptLeaseOptions): AttemptLeases {
  const held = new Set<AttemptLease>();

  /** keeps a running attempt's lease alive, so no other replica claims the event meanwhile */
  function renew(claimed: ClaimedEvent, controller: AbortController): void {
    store.renewLease(claimed.id, claimed.leaseToken, leaseMs).then(
      (renewed) => {
        if (renewed || controller.signal.aborted) return;
        logger.warn({ id: claimed.id, type: claimed.type }, 'lease lost while the handler ran; aborting it');
        controller.abort(new Error('lease lost'));
      },
      (error: unknown) =>
        logger.warn({ id: claimed.id, error: describeError(error) }, 'could not renew a lease; will retry'),
    );
  }

  return {
    begin(claimed) {
      const controller = new AbortController();
      const renewal = setInterval(() => renew(claimed, controller), Math.max(1, Math.floor(leaseMs / 3)));
      const lease: AttemptLease = {
        controller,
        end() {
          clearInterval(renewal);
          held.delete(lease);
        },
      };
      held.add(lease);
      return lease;
    },
    get held() {
      return held.size;
    },
    abandonAll(reason) {
      for (const lease of [...held]) {
        lease.end();
        lease.controller.abort(reason);
      }
    },
  };
}
