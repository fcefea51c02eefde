/**
 * Remembers recently accepted request ids so a captured request cannot be replayed while its
 * timestamp is still acceptable. Memory is bounded: entries leave when they expire, and under a
 * flood the oldest are evicted once `maxEntries` is reached.
 *
 * Eviction trades completeness for bounded memory: an evicted id could be replayed until its
 * timestamp goes stale. Callers only record requests that passed every other check (valid
 * signature from an allowed signer), so only an allowed peer can push the cache to its cap;
 * size `maxEntries` above (peak accepted requests per second) x (acceptance window).
 */
export interface ReplayCacheOptions {
  /** Upper bound on remembered ids. Default 100 000 (about 15 MB at worst). */
  maxEntries?: number;
}

/** Bounded id -> expiry map with O(1) amortised check-and-insert. */
export class ReplayCache {
  // Lookups go through the Map; insertion order lives in a ring buffer. (A Map alone is not
  // enough: V8 leaves a tombstone per deleted entry, so repeatedly deleting its oldest entry
  // makes each `keys().next()` skip all of them, O(n) per eviction under a flood.)
  readonly #expiries = new Map<string, number>();
  readonly #maxEntries: number;
  #ringIds: Array<string | undefined> = [];
  #ringExpiries: number[] = [];
  #head = 0;
  #count = 0;

  constructor(options: ReplayCacheOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
    this.#maxEntries = maxEntries;
  }

  /**
   * Records `id` until `expiresAtMs` and returns true, or returns false when `id` is already
   * recorded and not yet expired at `nowMs` (a replay). Use an expiry no earlier than the moment
   * the request's timestamp stops being accepted.
   */
  checkAndRemember(id: string, expiresAtMs: number, nowMs: number): boolean {
    // Expiries are close to insertion order (timestamp + window), so sweeping from the oldest
    // entry and stopping at the first live one frees nearly everything that has expired.
    while (this.#count > 0 && (this.#ringExpiries[this.#head] ?? 0) <= nowMs) this.#dropOldest();
    const expiry = this.#expiries.get(id);
    if (expiry !== undefined && expiry > nowMs) return false;
    if (this.#count === this.#ringIds.length) {
      if (this.#ringIds.length < this.#maxEntries) this.#grow();
      else this.#dropOldest();
    }
    const tail = (this.#head + this.#count) % this.#ringIds.length;
    this.#ringIds[tail] = id;
    this.#ringExpiries[tail] = expiresAtMs;
    this.#count++;
    this.#expiries.set(id, expiresAtMs);
    return true;
  }

  /** Number of ids held (expired ones may linger until swept). */
  get size(): number {
    return this.#expiries.size;
  }

  #dropOldest(): void {
    const id = this.#ringIds[this.#head];
    // An id accepted again after expiring has a newer slot; only its own slot may remove it.
    if (id !== undefined && this.#expiries.get(id) === this.#ringExpiries[this.#head]) this.#expiries.delete(id);
    this.#ringIds[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#ringIds.length;
    this.#count--;
  }

  /** Doubles the ring (up to the cap), unrolling it so the oldest entry is at index 0. */
  #grow(): void {
    const capacity = Math.min(this.#maxEntries, Math.max(16, this.#ringIds.length * 2));
    const ids: Array<string | undefined> = new Array<string | undefined>(capacity);
    const expiries: number[] = new Array<number>(capacity).fill(0);
    for (let i = 0; i < this.#count; i++) {
      const from = (this.#head + i) % this.#ringIds.length;
      ids[i] = this.#ringIds[from];
      expiries[i] = this.#ringExpiries[from] ?? 0;
    }
    this.#ringIds = ids;
    this.#ringExpiries = expiries;
    this.#head = 0;
  }
}
