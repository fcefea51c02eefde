import { isIP } from 'node:net';
import type { StaticMinerConfig } from '../config/modelSchema.js';
import type { AddressGuard } from '../net/addressGuard.js';
import type { MinerEntry, MinerSnapshot } from './types.js';
import { noEligibleReason, type MinerPool, type PoolDescription, type PoolStatus } from './minerPool.js';

/**
 * A fixed list of miners from the config: the demo, the tests, and operators with private
 * pools. The operator's `score` stands in for the chain's validator score.
 *
 * With a guard, miners listed at a blocked IP literal are marked ineligible with the guard's
 * reason, so `/readyz` and `/v1/miners` say why nobody is called; the transport's guarded
 * connector would refuse them anyway. Host names are left to the connector, which checks
 * every address they resolve to at connect time (names can rebind).
 */
export class StaticMinerPool implements MinerPool {
  readonly #snapshot: MinerSnapshot;

  constructor(netuid: number, miners: readonly StaticMinerConfig[], nowMs: number, guard?: AddressGuard) {
    const entries: MinerEntry[] = miners.map((m) => {
      const entry: MinerEntry = {
        uid: m.uid,
        hotkey: m.hotkey,
        coldkey: null,
        host: m.host,
        port: m.port,
        ...(m.protocol === undefined ? {} : { protocol: m.protocol }),
        validatorScore: m.score,
        eligible: true,
      };
      const verdict = guard !== undefined && isIP(m.host.replace(/^\[(.*)\]$/, '$1')) !== 0 ? guard.check(m.host) : undefined;
      if (verdict !== undefined && !verdict.allowed) {
        entry.eligible = false;
        entry.excludedReason = verdict.reason;
        entry.excludedKind = 'blocked_address';
      }
      return entry;
    });
    const eligible = entries.filter((e) => e.eligible);
    this.#snapshot = { netuid, block: null, fetchedAt: nowMs, miners: entries, eligible };
  }

  snapshot(): MinerSnapshot {
    return this.#snapshot;
  }

  status(): PoolStatus {
    const count = this.#snapshot.eligible.length;
    return count > 0 ? { ready: true, eligible: count } : { ready: false, eligible: 0, reason: noEligibleReason(this.#snapshot) };
  }

  describe(): PoolDescription {
    // The list is as fresh as the config: it has no age worth reporting.
    return { kind: 'static', origin: 'config', ageSeconds: null, stale: false };
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}
}
