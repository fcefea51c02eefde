import type { MinerEntry } from '../metagraph/types.js';
import type { Random } from './clock.js';
import { minerScore } from './score.js';
import { windowCalls } from './summaries.js';
import type { Telemetry } from './telemetry.js';

export interface SelectorOptions {
  /** Share of picks that may go to unproven miners while proven ones exist (discovery). */
  explorationShare: number;
  /** Completed calls after which a miner counts as proven. */
  provenAfter: number;
  /** Reference latency when no miner of the model has been measured yet (ms). */
  defaultReferenceLatencyMs: number;
  /** How long a model's sampling table is reused before scores are recomputed (ms). */
  tableTtlMs: number;
}

export const DEFAULT_SELECTOR_OPTIONS: SelectorOptions = {
  explorationShare: 0.1,
  provenAfter: 3,
  defaultReferenceLatencyMs: 1_000,
  tableTtlMs: 250,
};

/** A pick request: the model's eligible miners, and the hotkeys this request already asked. */
export interface PickContext {
  model: string;
  candidates: readonly MinerEntry[];
  exclude: ReadonlySet<string>;
  streaming: boolean;
}

/** Scores of a model's candidates, computed at most every `tableTtlMs` (the sampling weights). */
interface ScoreTable {
  builtAt: number;
  candidates: readonly MinerEntry[];
  referenceLatencyMs: number;
  scores: Float64Array;
  proven: Uint8Array;
  /** Merged (all replicas) breaker state at build time. */
  openUntil: Float64Array;
}

/**
 * Chooses miners: power of two choices over a score-weighted sample. Two distinct miners
 * are drawn with probability proportional to their score, and the better of the two (by
 * live score, so in-flight load counts) is asked. This sends most traffic to the best
 * miners without herding every replica onto the single best one.
 *
 * Discovery: unproven miners (fewer than `provenAfter` calls, ever or in the current
 * window) get at most `explorationShare` of the picks while proven ones exist, so new or
 * recovered miners are tried without risking much traffic on them. Cooling-down miners
 * (breaker open) are skipped; when a cooldown ends, the next request probes that miner
 * (half-open), and a success takes it back. If every candidate is cooling down, the best
 * of them is probed rather than failing the request. Clock and randomness are injected, so all of this is testable exactly.
 */
export class ScoredSelector {
  readonly #telemetry: Telemetry;
  readonly #random: Random;
  readonly #options: SelectorOptions;
  /** Score tables by model: [whole answers, streams] (latency means time to first byte for streams). */
  readonly #tables: [Map<string, ScoreTable>, Map<string, ScoreTable>] = [new Map(), new Map()];
  // Scratch lists for pick(), which is synchronous: reused instead of allocated per pick.
  readonly #proven: number[] = [];
  readonly #unproven: number[] = [];
  readonly #cooling: number[] = [];

  constructor(telemetry: Telemetry, random: Random, options: Partial<SelectorOptions> = {}) {
    this.#telemetry = telemetry;
    this.#random = random;
    this.#options = { ...DEFAULT_SELECTOR_OPTIONS, ...options };
  }

  /** The live score of one miner (as /v1/miners shows it). */
  score(miner: MinerEntry, ctx: Pick<PickContext, 'model' | 'candidates' | 'streaming'>): number {
    return this.#liveScore(miner, this.#table(ctx).referenceLatencyMs, ctx.streaming);
  }

  pick(ctx: PickContext): MinerEntry | undefined {
    const now = this.#telemetry.clock();
    const table = this.#table(ctx);
    const proven = this.#proven;
    const unproven = this.#unproven;
    const cooling = this.#cooling;
    proven.length = 0;
    unproven.length = 0;
    cooling.length = 0;
    let askedHealthy = false;
    for (let i = 0; i < table.candidates.length; i++) {
      const miner = table.candidates[i]!;
      // The local breaker is live (a failure here counts at once); other replicas' verdicts
      // arrive with the table, at most `tableTtlMs` old.
      const local = this.#telemetry.peek(miner.hotkey);
      const admitted = (local === undefined || local.breaker.admits(now)) && table.openUntil[i]! <= now;
      if (ctx.exclude.has(miner.hotkey)) {
        askedHealthy ||= admitted;
        continue;
      }
      if (!admitted) cooling.push(i);
      // A cooldown just ended: this request is the half-open probe that can take the miner back.
      else if (local !== undefined && local.breaker.state(now) === 'half-open') return miner;
      else if (table.proven[i] === 1) proven.push(i);
      else unproven.push(i);
    }
    if (proven.length === 0 && unproven.length === 0) {
      // Probing a cooling miner beats failing, but only if this request has no healthy miner at all.
      return askedHealthy ? undefined : this.#best(cooling, table, ctx.streaming);
    }
    const explore = unproven.length > 0 && (proven.length === 0 || this.#random() < this.#options.explorationShare);
    return this.#powerOfTwo(explore ? unproven : proven, table, ctx.streaming);
  }

  #powerOfTwo(pool: number[], table: ScoreTable, streaming: boolean): MinerEntry {
    if (pool.length === 1) return table.candidates[pool[0]!]!;
    const first = this.#draw(pool, table.scores, -1);
    const second = this.#draw(pool, table.scores, first);
    const a = table.candidates[first]!;
    const b = table.candidates[second]!;
    // The final comparison uses live scores, so calls in flight since the table was built count.
    return this.#liveScore(b, table.referenceLatencyMs, streaming) > this.#liveScore(a, table.referenceLatencyMs, streaming) ? b : a;
  }

  /** A candidate index from `pool`, drawn with probability proportional to its score, never `skip`. */
  #draw(pool: number[], scores: Float64Array, skip: number): number {
    let total = 0;
    for (const i of pool) if (i !== skip) total += scores[i]!;
    let target = this.#random() * total;
    let last = -1;
    for (const i of pool) {
      if (i === skip) continue;
      last = i;
      target -= scores[i]!;
      if (target < 0) return i;
    }
    return last;
  }

  #best(pool: number[], table: ScoreTable, streaming: boolean): MinerEntry | undefined {
    let best: MinerEntry | undefined;
    let bestScore = -1;
    for (const i of pool) {
      const miner = table.candidates[i]!;
      const score = this.#liveScore(miner, table.referenceLatencyMs, streaming);
      if (score > bestScore) {
        best = miner;
        bestScore = score;
      }
    }
    return best;
  }

  #liveScore(miner: MinerEntry, referenceLatencyMs: number, streaming: boolean): number {
    return minerScore({ validatorScore: miner.validatorScore, telemetry: this.#telemetry.view(miner.hotkey), referenceLatencyMs, streaming });
  }

  /** The model's score table, rebuilt when stale or when the candidate list was swapped. */
  #table(ctx: Pick<PickContext, 'model' | 'candidates' | 'streaming'>): ScoreTable {
    const now = this.#telemetry.clock();
    const tables = this.#tables[ctx.streaming ? 1 : 0];
    const cached = tables.get(ctx.model);
    if (cached !== undefined && cached.candidates === ctx.candidates && now - cached.builtAt < this.#options.tableTtlMs) return cached;
    const n = ctx.candidates.length;
    const views = ctx.candidates.map((m) => this.#telemetry.view(m.hotkey, now));
    const latencies: number[] = [];
    for (const view of views) {
      const latency = ctx.streaming ? view?.ttfbMs ?? view?.latencyMs : view?.latencyMs;
      if (latency !== undefined) latencies.push(latency);
    }
    latencies.sort((a, b) => a - b);
    const referenceLatencyMs = latencies.length > 0 ? latencies[Math.floor(latencies.length / 2)]! : this.#options.defaultReferenceLatencyMs;
    const table: ScoreTable = {
      builtAt: now, candidates: ctx.candidates, referenceLatencyMs,
      scores: new Float64Array(n), proven: new Uint8Array(n), openUntil: new Float64Array(n),
    };
    for (let i = 0; i < n; i++) {
      const view = views[i];
      table.scores[i] = minerScore({ validatorScore: ctx.candidates[i]!.validatorScore, telemetry: view, referenceLatencyMs, streaming: ctx.streaming });
      // Proven = enough calls ever and in the current window: a miner whose record has aged
      // out (e.g. one that recovered) is rediscovered through the exploration share.
      const provenAfter = this.#options.provenAfter;
      table.proven[i] = view !== undefined && view.completed >= provenAfter && windowCalls(view) >= provenAfter ? 1 : 0;
      table.openUntil[i] = view?.openUntil ?? 0;
    }
    tables.set(ctx.model, table);
    return table;
  }
}
