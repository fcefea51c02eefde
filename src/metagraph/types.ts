/**
 * What the gateway knows about the miners of one subnet. Sources (static lists, the chain)
 * produce `Neuron`s; eligibility and scoring turn them into `MinerEntry`s; routing only
 * ever sees the eligible entries of a `MinerSnapshot`.
 */

/** How the gateway talks to a miner. */
export type MinerProtocol = 'openai' | 'epistula' | 'axon';

/** Where a neuron serves, as registered on chain (or declared in a static list). */
export interface Axon {
  /** IPv4/IPv6 literal or, for static miners only, a host name. */
  host: string;
  port: number;
  /** 4 or 6 for chain axons; 0 when unknown. */
  ipType: number;
  /** The chain's `protocol` byte (conventionally 4); says nothing about the IP version. */
  protocol: number;
  version: number;
}

/** One neuron of a subnet's metagraph. Scores are normalised to [0, 1]; balances are rao. */
export interface Neuron {
  uid: number;
  hotkey: string;
  coldkey: string | null;
  /** null when the neuron never served an axon (ip 0 or port 0). */
  axon: Axon | null;
  active: boolean;
  validatorPermit: boolean;
  stakeRao: bigint;
  emissionRao: bigint;
  incentive: number;
  consensus: number;
  dividends: number;
  trust: number;
  validatorTrust: number;
  lastUpdate: number;
}

/** One validator's row of `SubtensorModule.Weights(netuid, uid)`: its own view of the miners. */
export interface ValidatorWeights {
  validatorHotkey: string;
  /** The validator's uid at the snapshot's block; null when the hotkey is not registered there. */
  validatorUid: number | null;
  /** (uid, weight) pairs, weights divided by 65535; uids refer to the same snapshot's neurons. */
  row: ReadonlyArray<readonly [number, number]>;
}

/** A neuron read at one block (chain) or at load time (static). */
export interface NeuronSnapshot {
  netuid: number;
  /** Chain block the neurons were read at; null for static sources. */
  block: number | null;
  /** Unix time in ms when this snapshot was read. */
  fetchedAt: number;
  neurons: readonly Neuron[];
  /** Present when a validator's weights were read at the same block (score source `weightsOf`). */
  weights?: ValidatorWeights;
}

/** A miner as routing sees it: an endpoint, an identity, a validator score, and eligibility. */
export interface MinerEntry {
  uid: number;
  hotkey: string;
  coldkey: string | null;
  host: string;
  port: number;
  /** Per-miner protocol override (static lists only); otherwise the model's protocol applies. */
  protocol?: MinerProtocol;
  /** The chain's (or config's) judgement of this miner, in [0, 1]. */
  validatorScore: number;
  eligible: boolean;
  /** Why an ineligible miner is excluded, e.g. "not serving", "validator", "private address". */
  excludedReason?: string;
  /** The reason's category, a bounded set fit for a metric label (chain sources set it). */
  excludedKind?: ExclusionKind;
}

/** Categories of `excludedReason`. */
export type ExclusionKind = 'not_serving' | 'validator' | 'blocked_address' | 'denied' | 'not_allowed' | 'duplicate';

/** Where validator scores came from: a validator's weights row, a per-neuron chain score, or none (uniform). */
export type ScoreSourceName = 'weights' | 'incentive' | 'consensus' | 'dividends' | 'trust' | 'uniform';

/** The miners one model can use, rebuilt atomically whenever its source refreshes. */
export interface MinerSnapshot {
  netuid: number;
  block: number | null;
  fetchedAt: number;
  miners: readonly MinerEntry[];
  eligible: readonly MinerEntry[];
  /** The score source actually used, after any fallback (chain sources set it). */
  scoreSource?: ScoreSourceName;
}
