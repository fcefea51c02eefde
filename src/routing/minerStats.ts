import { Cooldown, type CooldownPolicy } from './cooldown.js';
import { PeakEwma } from './peakEwma.js';
import { RollingCounts, type OutcomeClass } from './rollingCounts.js';

/** The compact, shareable form of one miner's telemetry (what replicas exchange). */
export interface MinerSummary {
  /** Time to first byte, peak EWMA (ms). */
  ttfbMs?: number;
  /** Whole call duration, peak EWMA (ms). */
  latencyMs?: number;
  /** Streamed tokens per second after the first byte (EWMA). */
  tokensPerSecond?: number;
  inFlight: number;
  /** Outcome counts in the rolling window. */
  counts: Partial<Record<OutcomeClass, number>>;
  /** Completed calls ever seen (how proven the miner is). */
  completed: number;
  /** The breaker is open until this time (ms; 0 when closed). */
  openUntil: number;
  /** When this summary was taken (ms). */
  at: number;
}

export interface StatsOptions {
  /** Decay constant of the latency estimators. */
  tauMs: number;
  /** Rolling window for outcome counts, and its number of buckets. */
  windowMs: number;
  windowBuckets: number;
  cooldown: CooldownPolicy;
}

const TTFB_SAMPLES = 32;

/** One miner's live telemetry on this replica. */
export class MinerStats {
  readonly ttfb: PeakEwma;
  readonly latency: PeakEwma;
  readonly counts: RollingCounts;
  readonly breaker: Cooldown;
  inFlight = 0;
  completed = 0;
  tokensPerSecond: number | undefined;
  lastUsed = 0;
  /** Recent times to first byte, streamed and whole calls apart (a whole answer's "first byte" is its end). */
  readonly #recent = { streamed: new Ring(TTFB_SAMPLES), whole: new Ring(TTFB_SAMPLES) };

  constructor(options: StatsOptions) {
    this.ttfb = new PeakEwma(options.tauMs);
    this.latency = new PeakEwma(options.tauMs);
    this.counts = new RollingCounts(options.windowMs, options.windowBuckets);
    this.breaker = new Cooldown(options.cooldown);
  }

  recordTtfb(ms: number, now: number, streamed: boolean): void {
    this.ttfb.observe(ms, now);
    (streamed ? this.#recent.streamed : this.#recent.whole).push(ms);
  }

  recordTokensPerSecond(value: number): void {
    this.tokensPerSecond = this.tokensPerSecond === undefined ? value : this.tokensPerSecond * 0.8 + value * 0.2;
  }

  /** The q-quantile of recent times to first byte, once there are `minSamples` of them. */
  ttfbQuantile(q: number, streamed: boolean, minSamples = 5): number | undefined {
    return (streamed ? this.#recent.streamed : this.#recent.whole).quantile(q, minSamples);
  }

  summary(now: number): MinerSummary {
    const counts: Partial<Record<OutcomeClass, number>> = {};
    for (const [outcome, count] of this.counts.totals(now)) counts[outcome] = count;
    const summary: MinerSummary = { inFlight: this.inFlight, counts, completed: this.completed, openUntil: this.breaker.openUntil, at: now };
    if (this.ttfb.value !== undefined) summary.ttfbMs = this.ttfb.value;
    if (this.latency.value !== undefined) summary.latencyMs = this.latency.value;
    if (this.tokensPerSecond !== undefined) summary.tokensPerSecond = this.tokensPerSecond;
    return summary;
  }
}

/** A fixed-size ring of recent samples. */
class Ring {
  readonly #values: number[] = [];
  #next = 0;
  readonly #size: number;
  /** Sorted copy, kept until the next sample (hedging asks for a quantile on every request). */
  #sorted: number[] | undefined;

  constructor(size: number) {
    this.#size = size;
  }

  push(value: number): void {
    if (this.#values.length < this.#size) this.#values.push(value);
    else this.#values[this.#next] = value;
    this.#next = (this.#next + 1) % this.#size;
    this.#sorted = undefined;
  }

  quantile(q: number, minSamples: number): number | undefined {
    if (this.#values.length < minSamples) return undefined;
    const sorted = (this.#sorted ??= [...this.#values].sort((a, b) => a - b));
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  }
}
