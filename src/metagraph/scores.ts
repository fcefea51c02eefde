import type { Neuron, NeuronSnapshot, ScoreSourceName } from './types.js';

/**
 * Validator scores: how much the chain (or one validator) thinks of each miner, in [0, 1].
 *
 * A configured source can carry no signal at all: on SN1 at block 6,852,690 the whole
 * incentive (and consensus, and trust) sits on one uid that serves nothing, so every serving
 * miner scores 0. Routing on all-zero scores would pick nobody, so when the configured source
 * gives every eligible miner 0, the next source in this order is tried:
 *
 *   configured → incentive → consensus → trust → uniform
 *
 * (`{ weightsOf }` configures the `weights` source; `dividends` can be configured but is not
 * a fallback, since dividends reward validating, not serving). `uniform` gives every eligible
 * miner 1 and leaves the choice to the gateway's own measurements. A source with signal for
 * some miners is used as is: the others score 0 under it.
 */

/** A score source as configured: a per-neuron chain score, or one validator's weights row. */
export type ScoreSourceConfig = 'incentive' | 'consensus' | 'dividends' | { weightsOf: string };

/** Sources tried, in order, after the configured one. */
export const SCORE_FALLBACK_ORDER: readonly ScoreSourceName[] = ['incentive', 'consensus', 'trust', 'uniform'];

/** The sources to try for a configuration, configured first, without repeats. */
export function scoreSourceOrder(config: ScoreSourceConfig): ScoreSourceName[] {
  const first: ScoreSourceName = typeof config === 'string' ? config : 'weights';
  return [first, ...SCORE_FALLBACK_ORDER.filter((s) => s !== first)];
}

export interface ResolvedScores {
  /** The source that gave a signal (or `uniform`). */
  source: ScoreSourceName;
  /** Raw score per uid in [0, 1], for the candidates only. */
  byUid: Map<number, number>;
}

const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

function weightsIndex(snapshot: NeuronSnapshot, config: ScoreSourceConfig): Map<number, number> | null {
  if (typeof config === 'string') return null;
  const weights = snapshot.weights;
  // Weights of another validator (or of a validator not on the subnet) are no signal for this one.
  if (!weights || weights.validatorHotkey !== config.weightsOf || weights.validatorUid === null) return null;
  const index = new Map<number, number>();
  for (const [uid, weight] of weights.row) index.set(uid, weight);
  return index;
}

function scoreOf(source: ScoreSourceName, neuron: Neuron, weights: Map<number, number> | null): number {
  switch (source) {
    case 'weights': return weights?.get(neuron.uid) ?? 0;
    case 'incentive': return neuron.incentive;
    case 'consensus': return neuron.consensus;
    case 'dividends': return neuron.dividends;
    case 'trust': return neuron.trust;
    case 'uniform': return 1;
  }
}

/** Raw scores of `candidates` from the first source in `scoreSourceOrder(config)` that gives any of them more than 0. */
export function resolveScores(snapshot: NeuronSnapshot, candidates: readonly Neuron[], config: ScoreSourceConfig): ResolvedScores {
  const weights = weightsIndex(snapshot, config);
  for (const source of scoreSourceOrder(config)) {
    if (source === 'weights' && weights === null) continue;
    const byUid = new Map<number, number>();
    let signal = false;
    for (const n of candidates) {
      const s = clamp01(scoreOf(source, n, weights));
      if (s > 0) signal = true;
      byUid.set(n.uid, s);
    }
    if (signal || source === 'uniform') return { source, byUid };
  }
  // Unreachable: `uniform` always ends the order.
  return { source: 'uniform', byUid: new Map(candidates.map((n) => [n.uid, 1])) };
}
