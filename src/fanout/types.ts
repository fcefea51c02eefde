import type { MinerEntry } from '../metagraph/types.js';
import type { MinerError } from '../transport/minerError.js';
import type { Cancellation } from '../lifecycle/cancellation.js';

/** A miner that failed, and how. */
export interface MinerFailure {
  miner: MinerEntry;
  error: MinerError;
}

/** How many miners to ask, and when. Each strategy is one shape of this plan. */
export interface LaunchPlan {
  /** Attempts started at once. */
  initial: number;
  /** Attempts in flight at most (hedging adds up to this many). */
  maxConcurrent: number;
  /** Attempts in all, retries included. */
  maxAttempts: number;
  /**
   * Hedging: ms after launching `latest` to add another attempt while none has answered,
   * or undefined for no hedging.
   */
  hedgeAfterMs?: (latest: MinerEntry) => number | undefined;
}

/** Launches one attempt on one miner; rejects with a MinerError. */
export type Launch<T> = (miner: MinerEntry, cancellation: Cancellation) => Promise<T>;

/** Picks the next miner to ask, never one in `exclude` (hotkeys already asked). */
export type PickNext = (exclude: ReadonlySet<string>) => MinerEntry | undefined;

export interface FanoutOptions<T> {
  plan: LaunchPlan;
  pickNext: PickNext;
  launch: Launch<T>;
  /** Cancelled when the client leaves. */
  cancellation: Cancellation;
  /** Epoch ms by which the request must be answered. */
  deadline: number;
  /** Releases a result that arrived after the fan-out was already decided (e.g. closes a stream). */
  discard?: (value: T) => void;
}

export interface FanoutSuccess<T> {
  miner: MinerEntry;
  value: T;
  /** Miners asked in all. */
  asked: number;
  failures: MinerFailure[];
}

export interface Collected<T> {
  results: Array<{ miner: MinerEntry; value: T }>;
  asked: number;
  failures: MinerFailure[];
}
