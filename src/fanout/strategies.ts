import { GatewayError } from '../errors/gatewayError.js';
import type { MinerEntry } from '../metagraph/types.js';
import type { LaunchPlan } from './types.js';

export const STRATEGIES = ['single', 'race', 'hedge', 'best-of-k', 'consensus'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

/** A model's fan-out settings (see modelSchema's `fanout`). */
export interface FanoutPolicy {
  strategy: StrategyName;
  /** Miners asked at once (race, best-of-k, consensus) or at most (hedge). */
  k: number;
  /** Upper bound for `k` when a request overrides it. */
  maxK: number;
  /** Further attempts after retryable failures, within the request's deadline. */
  retries: number;
  hedge: { quantile: number; minDelayMs: number; maxDelayMs: number; defaultDelayMs: number };
  /** best-of-k / consensus: how long to keep collecting after the first valid answer. */
  collectMs: number;
}

/** Per-request override headers: `x-taogate-strategy` and `x-taogate-k`. */
export function resolvePolicy(base: FanoutPolicy, strategyHeader: string | undefined, kHeader: string | undefined): FanoutPolicy {
  let policy = base;
  if (strategyHeader !== undefined && strategyHeader !== '') {
    const name = strategyHeader.trim().toLowerCase();
    if (!(STRATEGIES as readonly string[]).includes(name)) {
      throw new GatewayError('invalid_request', `Invalid x-taogate-strategy '${strategyHeader}': use one of ${STRATEGIES.join(', ')}.`, { param: 'x-taogate-strategy' });
    }
    policy = { ...policy, strategy: name as StrategyName };
  }
  if (kHeader !== undefined && kHeader !== '') {
    const k = Number(kHeader);
    if (!Number.isInteger(k) || k < 1 || k > base.maxK) {
      throw new GatewayError('invalid_request', `Invalid x-taogate-k '${kHeader}': use a whole number from 1 to ${base.maxK}.`, { param: 'x-taogate-k' });
    }
    policy = { ...policy, k };
  }
  return policy;
}

/**
 * The launch plan of a first-answer-wins strategy:
 * - single: one miner at a time, retrying elsewhere;
 * - race: k at once, the first valid answer wins, the rest are cancelled;
 * - hedge: one, plus another whenever the latest is slower than its recent p90 time to
 *   first byte, up to k at once.
 */
export function firstAnswerPlan(policy: FanoutPolicy, hedgeDelay: (miner: MinerEntry) => number): LaunchPlan {
  switch (policy.strategy) {
    case 'race':
      return { initial: policy.k, maxConcurrent: policy.k, maxAttempts: policy.k + policy.retries };
    case 'hedge':
      // With k = 1 there is nobody to hedge with: no timer at all.
      return policy.k > 1
        ? { initial: 1, maxConcurrent: policy.k, maxAttempts: policy.k + policy.retries, hedgeAfterMs: hedgeDelay }
        : { initial: 1, maxConcurrent: 1, maxAttempts: 1 + policy.retries };
    default:
      return { initial: 1, maxConcurrent: 1, maxAttempts: 1 + policy.retries };
  }
}

/** The launch plan of a collecting strategy (best-of-k, consensus): k at once, failures replaced. */
export function collectPlan(policy: FanoutPolicy): LaunchPlan {
  return { initial: policy.k, maxConcurrent: policy.k, maxAttempts: policy.k + policy.retries };
}
