import type { AddressGuard } from '../net/addressGuard.js';
import { buildMinerSnapshot, type EligibilityPolicy } from './eligibility.js';
import { noEligibleReason, type MinerPool, type PoolDescription, type PoolStatus } from './minerPool.js';
import type { SubnetFeed } from './subnetFeeds.js';
import type { MinerSnapshot } from './types.js';

export interface ChainMinerPoolOptions {
  /** The subnet's shared source (see `createSubnetFeeds`). */
  feed: SubnetFeed;
  /** This model's eligibility and score source. */
  policy: Partial<EligibilityPolicy>;
  guard: AddressGuard;
}

/** A canonical text of a policy, to tell whether two models can share one built snapshot. */
function policyKey(policy: Partial<EligibilityPolicy>): string {
  return JSON.stringify(policy, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value));
}

/**
 * A model's miners from the chain: the subnet's shared neurons under this model's eligibility.
 * Each refresh of the feed builds a new snapshot and swaps it in with one assignment, so a
 * request sees the old miners or the new ones, never a mix. A model whose policy is the
 * feed's own reuses the feed's snapshot instead of building an identical one.
 *
 * While the chain is away the last good snapshot keeps serving; `status()` turns not ready
 * once it is older than the configured age, which `/readyz` reports with the reason.
 */
export class ChainMinerPool implements MinerPool {
  readonly #feed: SubnetFeed;
  readonly #policy: Partial<EligibilityPolicy>;
  readonly #guard: AddressGuard;
  readonly #sharesFeedSnapshot: boolean;
  #current: MinerSnapshot | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(options: ChainMinerPoolOptions) {
    this.#feed = options.feed;
    this.#policy = options.policy;
    this.#guard = options.guard;
    this.#sharesFeedSnapshot = policyKey(options.policy) === policyKey(options.feed.policy);
  }

  #install(feedSnapshot: MinerSnapshot): void {
    if (this.#sharesFeedSnapshot) {
      this.#current = feedSnapshot;
      return;
    }
    const neurons = this.#feed.source.neurons();
    if (neurons !== null) this.#current = buildMinerSnapshot(neurons, this.#policy, this.#guard);
  }

  snapshot(): MinerSnapshot | undefined {
    return this.#current;
  }

  status(): PoolStatus {
    const chain = this.#feed.source.status();
    const snapshot = this.#current;
    const eligible = snapshot?.eligible.length ?? 0;
    if (snapshot === undefined) {
      const why = chain.lastError ?? 'first read pending';
      return { ready: false, eligible: 0, reason: `metagraph of netuid ${chain.netuid} not read yet: ${why}` };
    }
    if (chain.stale) {
      const limit = this.#feed.staleAfterMs / 1000;
      const why = chain.lastError === null ? '' : `; last error: ${chain.lastError}`;
      return {
        ready: false, eligible,
        reason: `metagraph stale: netuid ${chain.netuid} read ${chain.ageSeconds ?? '?'} s ago at block ${chain.block ?? '?'} (limit ${limit} s)${why}`,
      };
    }
    if (eligible === 0) return { ready: false, eligible: 0, reason: noEligibleReason(snapshot) };
    return { ready: true, eligible };
  }

  describe(): PoolDescription {
    const chain = this.#feed.source.status();
    return { kind: 'chain', network: chain.network, origin: chain.origin, ageSeconds: chain.ageSeconds, stale: chain.stale };
  }

  /** Subscribes to the feed, then starts it (or joins its start when another model got there first). */
  async start(): Promise<void> {
    if (this.#unsubscribe !== undefined) return;
    this.#unsubscribe = this.#feed.source.onUpdate((miners) => this.#install(miners));
    const already = this.#feed.source.miners();
    if (already !== null) this.#install(already);
    await this.#feed.acquire();
  }

  async stop(): Promise<void> {
    const unsubscribe = this.#unsubscribe;
    if (unsubscribe === undefined) return;
    this.#unsubscribe = undefined;
    unsubscribe();
    await this.#feed.release();
  }
}
