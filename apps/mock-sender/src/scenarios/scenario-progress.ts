// what playing a plan reports: the outcome of each delivery as it settles and the running counts
import type { PlannedDelivery } from '@omni-webhooks/schema/fixtures';

/** one attempt of a delivery, as the deliverer saw it */
export interface AttemptRecord {
  n: number;
  /** HTTP status, or null when no answer came (network error, timeout) */
  status: number | null;
  error: string | null;
  durationMs: number;
}

/** the final outcome of one delivery (all its attempts, retries included) */
export interface DeliveryOutcome {
  state: 'succeeded' | 'failed';
  attempts: AttemptRecord[];
}

/** how a delivery is handed to the wire: the full contract (timeout, retries) is the deliverer's */
export interface ScenarioDeliverer {
  /**
   * Resolves with the delivery's final outcome, or undefined when the run was aborted before it
   * settled (it is then not settled: a resume sends it again). Calls `attempt` after each attempt.
   */
  deliver(
    delivery: PlannedDelivery,
    context: { signal: AbortSignal; attempt: (record: AttemptRecord) => void },
  ): Promise<DeliveryOutcome | undefined>;
  /** on abort: ends the waits, lets requests in flight finish; unsettled deliver() calls resolve undefined */
  stop?(): Promise<void>;
}

/** a settled delivery of this run */
export interface PlayedDelivery extends DeliveryOutcome {
  index: number;
  delivery: PlannedDelivery;
  /** ms from the run's start when its first attempt started, and when it settled */
  startedAtMs: number;
  settledAtMs: number;
  /** 0, 1, 2... in the order deliveries settled in this run: the arrival order of successes */
  settleOrder: number;
}

export interface ScenarioProgress {
  /** deliveries in the plan */
  planned: number;
  /** settled before this run (resume) and not sent again */
  skipped: number;
  started: number;
  inFlight: number;
  settled: number;
  succeeded: number;
  failed: number;
}

export interface ScenarioPlayerEvents {
  start: [PlannedDelivery];
  attempt: [PlannedDelivery, AttemptRecord];
  settled: [PlayedDelivery];
  progress: [ScenarioProgress];
}

export interface PlayResult {
  scenario: string;
  journeys: number;
  planned: number;
  /** indexes settled before this run, as given to resume */
  skipped: number;
  /** settled in this run, in settle order */
  played: PlayedDelivery[];
  aborted: boolean;
  /** clock ms the due times count from, and how long this run took */
  runStartMs: number;
  elapsedMs: number;
}
