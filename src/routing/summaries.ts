import type { MinerSummary } from './minerStats.js';
import type { OutcomeClass } from './rollingCounts.js';

/** Calls in a summary's window (what its estimates are weighted by when merged). */
export function windowCalls(summary: MinerSummary): number {
  let calls = 0;
  for (const count of Object.values(summary.counts)) calls += count ?? 0;
  return calls;
}

/**
 * Merges two replicas' views of one miner: counts and in-flight calls add up, estimates are
 * averaged by how many calls each side saw, and the breaker is open if either side opened it.
 */
export function mergeSummaries(a: MinerSummary, b: MinerSummary): MinerSummary {
  const wa = Math.max(windowCalls(a), 0.5);
  const wb = Math.max(windowCalls(b), 0.5);
  const counts: Partial<Record<OutcomeClass, number>> = { ...a.counts };
  for (const [outcome, count] of Object.entries(b.counts) as Array<[OutcomeClass, number]>) counts[outcome] = (counts[outcome] ?? 0) + count;
  const merged: MinerSummary = {
    inFlight: a.inFlight + b.inFlight,
    counts,
    completed: a.completed + b.completed,
    openUntil: Math.max(a.openUntil, b.openUntil),
    at: Math.max(a.at, b.at),
  };
  const ttfb = weighted(a.ttfbMs, wa, b.ttfbMs, wb);
  if (ttfb !== undefined) merged.ttfbMs = ttfb;
  const latency = weighted(a.latencyMs, wa, b.latencyMs, wb);
  if (latency !== undefined) merged.latencyMs = latency;
  const tps = weighted(a.tokensPerSecond, wa, b.tokensPerSecond, wb);
  if (tps !== undefined) merged.tokensPerSecond = tps;
  return merged;
}

function weighted(x: number | undefined, wx: number, y: number | undefined, wy: number): number | undefined {
  if (x === undefined) return y;
  if (y === undefined) return x;
  return (x * wx + y * wy) / (wx + wy);
}
