import type { MinerEntry } from '../metagraph/types.js';

/**
 * The simplest fair choice: each model walks its eligible miners in turn. Scored selection
 * (routing/selector.ts) replaces this where telemetry is available.
 */
export class RoundRobin {
  readonly #cursor = new Map<string, number>();

  pick(model: string, candidates: readonly MinerEntry[], exclude: ReadonlySet<string>): MinerEntry | undefined {
    const start = this.#cursor.get(model) ?? 0;
    for (let i = 0; i < candidates.length; i++) {
      const index = (start + i) % candidates.length;
      const miner = candidates[index]!;
      if (exclude.has(miner.hotkey)) continue;
      this.#cursor.set(model, index + 1);
      return miner;
    }
    return undefined;
  }
}
