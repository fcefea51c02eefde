/** The outcome classes telemetry counts: success, or a failure class from MinerError. */
export type OutcomeClass = 'ok' | 'timeout' | 'connect' | 'http' | 'rate_limited' | 'rejected' | 'protocol' | 'client' | 'cancelled';

/**
 * Outcome counts over a rolling window, in fixed buckets (e.g. 6 × 10 s for one minute):
 * old outcomes fall out of the window bucket by bucket, so a miner that recovered is not
 * judged by its errors of ten minutes ago.
 */
export class RollingCounts {
  readonly #bucketMs: number;
  readonly #buckets: Array<{ start: number; counts: Map<OutcomeClass, number> }>;

  constructor(windowMs: number, buckets: number) {
    this.#bucketMs = Math.max(1, Math.floor(windowMs / buckets));
    this.#buckets = Array.from({ length: buckets }, () => ({ start: -Infinity, counts: new Map() }));
  }

  add(outcome: OutcomeClass, now: number, count = 1): void {
    const start = now - (now % this.#bucketMs);
    const index = Math.floor(now / this.#bucketMs) % this.#buckets.length;
    const bucket = this.#buckets[index]!;
    if (bucket.start !== start) {
      bucket.start = start;
      bucket.counts.clear();
    }
    bucket.counts.set(outcome, (bucket.counts.get(outcome) ?? 0) + count);
  }

  /** Counts per class over the window ending at `now`. */
  totals(now: number): Map<OutcomeClass, number> {
    const oldest = now - this.#bucketMs * this.#buckets.length;
    const totals = new Map<OutcomeClass, number>();
    for (const bucket of this.#buckets) {
      if (bucket.start <= oldest) continue;
      for (const [outcome, count] of bucket.counts) totals.set(outcome, (totals.get(outcome) ?? 0) + count);
    }
    return totals;
  }
}
