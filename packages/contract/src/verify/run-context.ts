import type { Sender } from './target.js';
import type { TrafficSource } from './traffic/traffic-source.js';

/** how the traffic checks load the receiver; `0` / `false` skips a check */
export interface TrafficSettings {
  /** distinct events sent at the same instant */
  burst: number;
  /** copies of one delivery sent at once, and as many again while they are in flight */
  duplicates: number;
  /** generated payloads of the variety check */
  payloads: number;
  /** the variety check's seed: the same seed sends the same payloads */
  seed: number;
  journeys: boolean;
  redelivery: boolean;
  /** the pause before the redelivery (OmniAI's first retry comes after a minute) */
  redeliveryPauseMs: number;
  /** sustained load, off unless both are set: requests per second, open-loop, for this long */
  rate?: number;
  durationS?: number;
  /** the receiver's body limit: the variety check sends a valid body just under it */
  bodyLimitBytes: number;
  /** the most requests of the sustained-load check open at once; past it the receiver has fallen behind */
  maxInFlight: number;
}

export const DEFAULT_TRAFFIC: Omit<TrafficSettings, 'seed'> = {
  burst: 32,
  duplicates: 4,
  payloads: 200,
  journeys: true,
  redelivery: true,
  redeliveryPauseMs: 2000,
  bodyLimitBytes: 1024 * 1024,
  maxInFlight: 256,
};

/** what every check of one run shares */
export interface RunContext {
  source: TrafficSource;
  traffic: TrafficSettings;
  /** aborted when the run reaches its deadline */
  signal: AbortSignal;
  /** when the deadline falls, on the performance.now() clock */
  deadlineAt: number;
  /** sends within the run (its requests end at the deadline) */
  send: Sender;
}
