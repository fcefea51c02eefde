import type { MinerEntry } from '../metagraph/types.js';
import type { MinerSummary } from './minerStats.js';
import { countedCalls, healthOf } from './score.js';
import type { ScoredSelector } from './selector.js';
import { windowCalls } from './summaries.js';
import type { Telemetry } from './telemetry.js';

/** What the gateway has measured of one miner, as /v1/miners and metrics show it. */
export interface MinerTelemetryReport {
  score: number;
  ttfbMs: number | null;
  latencyMs: number | null;
  tokensPerSecond: number | null;
  inFlight: number;
  /** Outcomes in the rolling window, by class. */
  window: MinerSummary['counts'];
  successRatio: number | null;
  /** Bayesian health used by the score (an unproven miner starts at 0.8). */
  health: number;
  completed: number;
  breaker: 'closed' | 'open' | 'half-open';
  coolingDownUntil: string | null;
}

/** A miner's merged telemetry and live score, or the defaults of an unmeasured miner. */
export function reportMiner(telemetry: Telemetry, selector: ScoredSelector, model: string, candidates: readonly MinerEntry[], miner: MinerEntry): MinerTelemetryReport {
  const now = telemetry.clock();
  const view = telemetry.view(miner.hotkey, now);
  const { ok, calls } = countedCalls(view?.counts);
  const local = telemetry.peek(miner.hotkey)?.breaker.state(now);
  const openUntil = view?.openUntil ?? 0;
  const breaker = openUntil > now ? 'open' : local ?? 'closed';
  return {
    score: round(selector.score(miner, { model, candidates, streaming: false })),
    ttfbMs: roundOrNull(view?.ttfbMs),
    latencyMs: roundOrNull(view?.latencyMs),
    tokensPerSecond: roundOrNull(view?.tokensPerSecond),
    inFlight: view?.inFlight ?? 0,
    window: view?.counts ?? {},
    successRatio: calls > 0 ? round(ok / calls) : null,
    health: round(healthOf(view?.counts)),
    completed: view?.completed ?? 0,
    breaker,
    coolingDownUntil: openUntil > now ? new Date(openUntil).toISOString() : null,
  };
}

/** The busiest miners of a model (by calls in the window), at most `limit`: bounded metric labels. */
export function busiestMiners(telemetry: Telemetry, candidates: readonly MinerEntry[], limit: number): MinerEntry[] {
  const now = telemetry.clock();
  const used: Array<{ miner: MinerEntry; calls: number }> = [];
  for (const miner of candidates) {
    const view = telemetry.view(miner.hotkey, now);
    if (view !== undefined) used.push({ miner, calls: windowCalls(view) + view.inFlight });
  }
  used.sort((a, b) => b.calls - a.calls);
  return used.slice(0, limit).map((u) => u.miner);
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

function roundOrNull(value: number | undefined): number | null {
  return value === undefined ? null : Math.round(value * 10) / 10;
}
