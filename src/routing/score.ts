import type { OutcomeClass } from './rollingCounts.js';
import type { MinerSummary } from './minerStats.js';

/**
 * The one score that routing ranks miners by, in (0, 1]:
 *
 *   score = validator × health² × speed × load
 *
 * - validator = 0.1 + 0.9 × the chain's (or config's) validator score in [0, 1]: the
 *   network's judgement counts, but never zeroes a miner out, so a miner the chain has not
 *   noticed can still earn traffic by performing well (and the gateway is not blind when
 *   the chain gives no signal at all).
 * - health = (successes + 2) / (calls + 2.5) over the rolling window: a Bayesian success
 *   rate whose prior puts an unproven miner at 0.8. Squared, so failing miners fall fast.
 *   Cancelled calls (lost races, clients leaving) and the client's own errors don't count.
 * - speed = 1 / (1 + latency / reference): latency is the peak-EWMA time to first byte for
 *   streams (whole duration otherwise); reference is the median across the model's
 *   measured miners. Unmeasured miners are assumed to be at the reference (speed 0.5).
 * - load = 1 / (1 + in-flight calls), across replicas.
 */
export interface ScoreInputs {
  validatorScore: number;
  telemetry: Pick<MinerSummary, 'counts' | 'inFlight' | 'ttfbMs' | 'latencyMs'> | undefined;
  referenceLatencyMs: number;
  /** Rank by time to first byte (streams) or by whole-call latency. */
  streaming: boolean;
}

const NEUTRAL: ReadonlySet<OutcomeClass> = new Set(['cancelled', 'client']);

export function minerScore(inputs: ScoreInputs): number {
  const validator = 0.1 + 0.9 * clamp01(inputs.validatorScore);
  const t = inputs.telemetry;
  const health = healthOf(t?.counts);
  const latency = (inputs.streaming ? t?.ttfbMs ?? t?.latencyMs : t?.latencyMs ?? t?.ttfbMs) ?? inputs.referenceLatencyMs;
  const speed = 1 / (1 + latency / Math.max(1, inputs.referenceLatencyMs));
  const load = 1 / (1 + (t?.inFlight ?? 0));
  return validator * health * health * speed * load;
}

/** Bayesian success rate over the window (prior: an unproven miner is at 0.8). */
export function healthOf(counts: Partial<Record<OutcomeClass, number>> | undefined): number {
  const { ok, calls } = countedCalls(counts);
  return (ok + 2) / (calls + 2.5);
}

/** Successes and calls that say something about the miner: cancelled calls and the client's own errors do not. */
export function countedCalls(counts: Partial<Record<OutcomeClass, number>> | undefined): { ok: number; calls: number } {
  let ok = 0;
  let calls = 0;
  for (const [outcome, count] of Object.entries(counts ?? {}) as Array<[OutcomeClass, number]>) {
    if (NEUTRAL.has(outcome)) continue;
    calls += count;
    if (outcome === 'ok') ok += count;
  }
  return { ok, calls };
}

function clamp01(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}
