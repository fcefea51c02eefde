/**
 * A latency estimate that reacts to slowdowns at once and forgets them gradually (Finagle's
 * "peak EWMA"): a sample above the estimate replaces it; a sample below pulls it down with
 * a weight that depends on the time since the last sample (decay constant `tauMs`). So one
 * slow answer makes a miner look slow immediately, and it must prove itself fast again.
 */
export class PeakEwma {
  #value: number | undefined;
  #at = 0;
  readonly #tauMs: number;

  constructor(tauMs: number) {
    this.#tauMs = tauMs;
  }

  get value(): number | undefined {
    return this.#value;
  }

  observe(sample: number, now: number): void {
    if (this.#value === undefined || sample > this.#value) {
      this.#value = sample;
    } else {
      const elapsed = Math.max(0, now - this.#at);
      const keep = Math.exp(-elapsed / this.#tauMs);
      this.#value = this.#value * keep + sample * (1 - keep);
    }
    this.#at = now;
  }
}
