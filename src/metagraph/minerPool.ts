import type { MinerSnapshot } from './types.js';

export interface PoolStatus {
  ready: boolean;
  eligible: number;
  /** Why the pool cannot serve, e.g. "no eligible miners" or "metagraph stale (900 s)". */
  reason?: string;
}

/**
 * The miners one model may use, kept current by its source (static list or chain). Routing
 * reads `snapshot().eligible` per request; the snapshot object is swapped atomically.
 */
export interface MinerPool {
  snapshot(): MinerSnapshot | undefined;
  status(): PoolStatus;
  start(): Promise<void>;
  stop(): Promise<void>;
}
