import type { AddressGuard } from '../net/addressGuard.js';
import { resolveScores, type ScoreSourceConfig } from './scores.js';
import type { ExclusionKind, MinerEntry, MinerSnapshot, Neuron, NeuronSnapshot } from './types.js';

/**
 * Which neurons of a metagraph the gateway may send requests to. Checks run in this order and
 * the first that fails names the reason:
 *
 *   not serving → denied hotkey → not in allow list → validator → blocked address → duplicate
 *
 * Every neuron appears in `miners`, excluded ones with their reason; `eligible` is the rest.
 * Pure and deterministic: same snapshot and policy, same result.
 */

export interface EligibilityPolicy {
  /** Leave validators out (default true): they hold a permit and at least `validatorStakeThresholdRao`. */
  excludeValidators: boolean;
  /**
   * Stake (rao) from which a permit holder counts as a validator (default 0: every permit holder).
   * A permit holder below it is treated as a miner: permits go to the top-K neurons by stake,
   * so on subnets with few neurons a miner can hold one without validating (SN1's validators
   * used 4096 TAO, `vpermit_tao_limit`). On SN1 today even 297 alpha permit holders validate,
   * hence the default.
   */
  validatorStakeThresholdRao: bigint;
  /** Keep one miner per coldkey or per IP (the best-scored, lowest uid on ties); default none. */
  dedupe: 'none' | 'coldkey' | 'ip';
  /** Only these hotkeys (undefined or empty: no allow list). */
  allowHotkeys?: readonly string[];
  denyHotkeys: readonly string[];
  /** Where validator scores come from; see scores.ts for the fallback order. */
  scoreSource: ScoreSourceConfig;
}

export const DEFAULT_ELIGIBILITY_POLICY: Readonly<EligibilityPolicy> = Object.freeze({
  excludeValidators: true,
  validatorStakeThresholdRao: 0n,
  dedupe: 'none',
  denyHotkeys: [],
  scoreSource: 'incentive',
});

interface Exclusion { kind: ExclusionKind; reason: string }

function entry(n: Neuron, score: number, exclusion?: Exclusion): MinerEntry {
  const e: MinerEntry = {
    uid: n.uid,
    hotkey: n.hotkey,
    coldkey: n.coldkey,
    host: n.axon?.host ?? '',
    port: n.axon?.port ?? 0,
    validatorScore: score,
    eligible: exclusion === undefined,
  };
  if (exclusion) { e.excludedReason = exclusion.reason; e.excludedKind = exclusion.kind; }
  return e;
}

/** Applies `policy` (missing fields take the defaults) and the address guard to a metagraph. */
export function buildMinerSnapshot(
  snapshot: NeuronSnapshot,
  policyInput: Partial<EligibilityPolicy>,
  guard: AddressGuard,
): MinerSnapshot {
  const policy: EligibilityPolicy = { ...DEFAULT_ELIGIBILITY_POLICY, ...policyInput };
  const deny = new Set(policy.denyHotkeys);
  const allow = policy.allowHotkeys && policy.allowHotkeys.length > 0 ? new Set(policy.allowHotkeys) : null;
  const excluded = new Map<number, Exclusion>();
  const candidates: Neuron[] = [];

  for (const n of snapshot.neurons) {
    let exclusion: Exclusion | undefined;
    if (!n.axon) exclusion = { kind: 'not_serving', reason: 'not serving' };
    else if (deny.has(n.hotkey)) exclusion = { kind: 'denied', reason: 'denied hotkey' };
    else if (allow && !allow.has(n.hotkey)) exclusion = { kind: 'not_allowed', reason: 'not in allow list' };
    else if (policy.excludeValidators && n.validatorPermit && n.stakeRao >= policy.validatorStakeThresholdRao) {
      exclusion = { kind: 'validator', reason: 'validator' };
    } else {
      const verdict = guard.check(n.axon.host);
      if (!verdict.allowed) exclusion = { kind: 'blocked_address', reason: verdict.reason };
    }
    if (exclusion) excluded.set(n.uid, exclusion);
    else candidates.push(n);
  }

  const scores = resolveScores(snapshot, candidates, policy.scoreSource);
  const rawScore = (n: Neuron): number => scores.byUid.get(n.uid) ?? 0;

  if (policy.dedupe !== 'none') {
    const keyOf = (n: Neuron): string | null => (policy.dedupe === 'coldkey' ? n.coldkey : n.axon?.host ?? null);
    const best = new Map<string, Neuron>();
    for (const n of candidates) {
      const key = keyOf(n);
      if (key === null) continue;
      const held = best.get(key);
      if (!held || rawScore(n) > rawScore(held) || (rawScore(n) === rawScore(held) && n.uid < held.uid)) best.set(key, n);
    }
    for (const n of candidates) {
      const key = keyOf(n);
      const keeper = key === null ? n : best.get(key);
      if (keeper && keeper !== n) {
        excluded.set(n.uid, { kind: 'duplicate', reason: `duplicate ${policy.dedupe} of uid ${keeper.uid}` });
      }
    }
  }

  // Normalise so the best eligible miner scores 1; dedupe kept every group's best, so the maximum is unchanged.
  let max = 0;
  for (const n of candidates) if (!excluded.has(n.uid)) max = Math.max(max, rawScore(n));
  const miners: MinerEntry[] = [];
  const eligible: MinerEntry[] = [];
  for (const n of snapshot.neurons) {
    const exclusion = excluded.get(n.uid);
    // Excluded miners score 0: routing never sees them, and a score above 1 would confuse readers.
    const e = entry(n, exclusion || max === 0 ? 0 : rawScore(n) / max, exclusion);
    miners.push(e);
    if (e.eligible) eligible.push(e);
  }
  return { netuid: snapshot.netuid, block: snapshot.block, fetchedAt: snapshot.fetchedAt, miners, eligible, scoreSource: scores.source };
}

/** What a neuron is to routing: eligible, or why it was excluded. */
export type MinerState = 'eligible' | ExclusionKind;

/** Every state at 0 (before the first snapshot). */
export function emptyMinerCounts(): Record<MinerState, number> {
  return { eligible: 0, not_serving: 0, validator: 0, blocked_address: 0, denied: 0, not_allowed: 0, duplicate: 0 };
}

/** Miner counts by state of a `buildMinerSnapshot` result, for the `taogate_metagraph_miners` gauge. */
export function countMinerStates(snapshot: MinerSnapshot): Record<MinerState, number> {
  const counts = emptyMinerCounts();
  for (const m of snapshot.miners) {
    if (m.eligible) counts.eligible += 1;
    else counts[m.excludedKind ?? 'not_serving'] += 1;
  }
  return counts;
}
