import type { MinerEntry } from '../metagraph/types.js';
import type { CallObserver, CallRecord, CallSuccess } from '../pipeline/callObserver.js';
import type { MinerError } from '../transport/minerError.js';
import type { Clock } from './clock.js';
import { DEFAULT_COOLDOWN } from './cooldown.js';
import { MinerStats, type MinerSummary, type StatsOptions } from './minerStats.js';
import { mergeSummaries } from './summaries.js';

export const DEFAULT_STATS_OPTIONS: StatsOptions = { tauMs: 10_000, windowMs: 60_000, windowBuckets: 6, cooldown: DEFAULT_COOLDOWN };

/** Stats of miners unused for this long are dropped (bounded memory across metagraph churn). */
const IDLE_DROP_MS = 60 * 60_000;

/**
 * Per-miner telemetry, keyed by hotkey (never uid: uids are recycled). Live stats are
 * local to this replica; other replicas' summaries arrive through `setRemote` (see
 * state/telemetrySync.ts) and are merged into `view()`, which is what routing reads.
 */
export class Telemetry {
  readonly #stats = new Map<string, MinerStats>();
  #remote: ReadonlyMap<string, MinerSummary> = new Map();
  readonly #options: StatsOptions;
  readonly #clock: Clock;

  constructor(clock: Clock, options: Partial<StatsOptions> = {}) {
    this.#clock = clock;
    this.#options = { ...DEFAULT_STATS_OPTIONS, ...options };
  }

  get clock(): Clock {
    return this.#clock;
  }

  /** This replica's live stats for a miner (created on first use). */
  stats(hotkey: string): MinerStats {
    let stats = this.#stats.get(hotkey);
    if (stats === undefined) {
      stats = new MinerStats(this.#options);
      this.#stats.set(hotkey, stats);
    }
    return stats;
  }

  /** This replica's stats if it has any, without creating them. */
  peek(hotkey: string): MinerStats | undefined {
    return this.#stats.get(hotkey);
  }

  /** The merged (this replica + others) view of a miner, or undefined if nobody has data. */
  view(hotkey: string, now = this.#clock()): MinerSummary | undefined {
    const local = this.#stats.get(hotkey)?.summary(now);
    const remote = this.#remote.get(hotkey);
    if (local === undefined) return remote;
    return remote === undefined ? local : mergeSummaries(local, remote);
  }

  /** Other replicas' merged summaries, replaced wholesale on each sync. */
  setRemote(remote: ReadonlyMap<string, MinerSummary>): void {
    this.#remote = remote;
  }

  /** Summaries of the miners this replica used since `since` (what it publishes). */
  localSummaries(since: number, now = this.#clock()): Map<string, MinerSummary> {
    const out = new Map<string, MinerSummary>();
    for (const [hotkey, stats] of this.#stats) if (stats.lastUsed >= since || stats.inFlight > 0) out.set(hotkey, stats.summary(now));
    return out;
  }

  /** An answer that disagreed with other miners' counts against its miner's health. */
  penalise(hotkey: string): void {
    this.stats(hotkey).counts.add('protocol', this.#clock());
  }

  /** Drops stats of miners idle for an hour. */
  prune(now = this.#clock()): void {
    for (const [hotkey, stats] of this.#stats) if (stats.inFlight === 0 && now - stats.lastUsed > IDLE_DROP_MS) this.#stats.delete(hotkey);
  }

  /** Records every miner call: latency, tokens/s, in-flight, outcomes, breaker. */
  observer(): CallObserver {
    return { begin: (_model, miner, streamed) => new TelemetryRecord(this.stats(miner.hotkey), this.#clock, streamed) };
  }
}

/** One miner call as telemetry sees it, closed once (a class, not closures: one per call). */
class TelemetryRecord implements CallRecord {
  readonly #stats: MinerStats;
  readonly #clock: Clock;
  readonly #streamed: boolean;
  readonly #started: number;
  #done = false;

  constructor(stats: MinerStats, clock: Clock, streamed: boolean) {
    this.#stats = stats;
    this.#clock = clock;
    this.#streamed = streamed;
    this.#started = clock();
    stats.inFlight++;
    stats.lastUsed = this.#started;
    stats.breaker.started(this.#started);
  }

  success(info: CallSuccess): void {
    if (this.#done) return;
    const stats = this.#stats;
    const now = this.#close();
    const duration = now - this.#started;
    stats.completed++;
    if (info.firstByteMs !== undefined) stats.recordTtfb(info.firstByteMs, now, info.streamed);
    stats.latency.observe(duration, now);
    if (info.streamed && info.completionTokens !== undefined && info.completionTokens > 0) {
      const generating = duration - (info.firstByteMs ?? 0);
      if (generating > 0) stats.recordTokensPerSecond((info.completionTokens * 1000) / generating);
    }
    stats.counts.add('ok', now);
    stats.breaker.succeeded();
  }

  failure(error: MinerError): void {
    if (this.#done) return;
    const stats = this.#stats;
    const now = this.#close();
    const outcome = error.failureClass;
    stats.counts.add(outcome, now);
    // Neither says anything about the miner's health; a probe that ends so frees its slot.
    if (outcome === 'cancelled' || outcome === 'client') {
      stats.breaker.released();
      return;
    }
    stats.completed++;
    // A timeout is a latency sample too: a miner that stops answering must look slow at once.
    if (outcome === 'timeout') {
      const elapsed = now - this.#started;
      stats.latency.observe(elapsed, now);
      stats.recordTtfb(elapsed, now, this.#streamed);
    }
    if (outcome === 'rate_limited') stats.breaker.retryAfter(now, error.retryAfterSeconds ?? 1);
    else stats.breaker.failed(now);
  }

  #close(): number {
    this.#done = true;
    this.#stats.inFlight--;
    const now = this.#clock();
    this.#stats.lastUsed = now;
    return now;
  }
}
