// retention: what the pruner deletes, and the one lock a fleet shares so one replica prunes at a time

export interface RetentionPolicy {
  /** `processed` and `ignored` rows received before this go; null keeps them */
  doneBefore: Date | null;
  /** `failed` and `rejected` rows received before this go; null keeps them */
  failedBefore: Date | null;
  /** rows one statement deletes at most: a short transaction, so ingest is never held long */
  batchSize: number;
}

export const DONE_STATUSES = ['processed', 'ignored'] as const;
export const KEPT_UNTIL_REPLAYED_STATUSES = ['failed', 'rejected'] as const;

export interface InboxRetention {
  /** deletes at most `batchSize` rows the policy lets go, oldest first; resolves with how many */
  deleteExpired(policy: RetentionPolicy): Promise<number>;
  /**
   * runs `pass` holding the fleet's retention lock; undefined without running it when another replica
   * holds it (postgres: an advisory lock; sqlite: one process owns the file, so only overlap is refused)
   */
  withRetentionLock<T>(pass: () => Promise<T>): Promise<T | undefined>;
}

/** the rows of one batch, split between the two kinds, oldest kind first */
export function cutoffsOf(policy: RetentionPolicy): { statuses: readonly string[]; before: Date }[] {
  const cutoffs: { statuses: readonly string[]; before: Date }[] = [];
  if (policy.doneBefore) cutoffs.push({ statuses: DONE_STATUSES, before: policy.doneBefore });
  if (policy.failedBefore)
    cutoffs.push({ statuses: KEPT_UNTIL_REPLAYED_STATUSES, before: policy.failedBefore });
  return cutoffs;
}
