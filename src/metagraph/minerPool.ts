import { countMinerStates } from './eligibility.js';
import type { MinerSnapshot } from './types.js';

export interface PoolStatus {
  ready: boolean;
  eligible: number;
  /** Why the pool cannot serve, e.g. "no eligible miners" or "metagraph stale (900 s)". */
  reason?: string;
}

/** Where a pool's miners come from and how fresh they are, for `/v1/miners`. */
export interface PoolDescription {
  kind: 'static' | 'chain';
  /** The chain network the snapshot was read from (chain pools). */
  network?: string;
  /** Where the current snapshot came from: a chain read, the snapshot store, or the config file. */
  origin: 'chain' | 'store' | 'config' | null;
  /** Seconds since the snapshot was read; null without a snapshot. */
  ageSeconds: number | null;
  /** No snapshot, or one older than the configured stale-after age. */
  stale: boolean;
}

/**
 * The miners one model may use, kept current by its source (static list or chain). Routing
 * reads `snapshot().eligible` per request; the snapshot object is swapped atomically.
 */
export interface MinerPool {
  snapshot(): MinerSnapshot | undefined;
  status(): PoolStatus;
  /** Optional so that test doubles need not implement it; both built-in pools do. */
  describe?(): PoolDescription;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const KIND_WORDS: Record<string, string> = {
  not_serving: 'not serving', validator: 'validator', blocked_address: 'blocked address',
  denied: 'denied', not_allowed: 'not allowed', duplicate: 'duplicate',
};

/**
 * "no eligible miners (3 blocked address, 197 not serving)": the readiness reason of a pool
 * whose snapshot excludes everyone, with the counts an operator needs to see why.
 */
export function noEligibleReason(snapshot: MinerSnapshot | undefined): string {
  if (snapshot === undefined || snapshot.miners.length === 0) return 'no eligible miners';
  const counts = Object.entries(countMinerStates(snapshot))
    .filter(([state, n]) => state !== 'eligible' && n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([state, n]) => `${n} ${KIND_WORDS[state] ?? state}`);
  return `no eligible miners (${counts.join(', ')})`;
}
