import type { StaticMinerConfig } from '../config/modelSchema.js';
import type { MinerEntry, MinerSnapshot } from './types.js';
import type { MinerPool, PoolStatus } from './minerPool.js';

/**
 * A fixed list of miners from the config: the demo, the tests, and operators with private
 * pools. The operator's `score` stands in for the chain's validator score.
 */
export class StaticMinerPool implements MinerPool {
  readonly #snapshot: MinerSnapshot;

  constructor(netuid: number, miners: readonly StaticMinerConfig[], nowMs: number) {
    const entries: MinerEntry[] = miners.map((m) => ({
      uid: m.uid,
      hotkey: m.hotkey,
      coldkey: null,
      host: m.host,
      port: m.port,
      ...(m.protocol === undefined ? {} : { protocol: m.protocol }),
      validatorScore: m.score,
      eligible: true,
    }));
    this.#snapshot = { netuid, block: null, fetchedAt: nowMs, miners: entries, eligible: entries };
  }

  snapshot(): MinerSnapshot {
    return this.#snapshot;
  }

  status(): PoolStatus {
    const count = this.#snapshot.eligible.length;
    return count > 0 ? { ready: true, eligible: count } : { ready: false, eligible: 0, reason: 'no eligible miners' };
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}
}
