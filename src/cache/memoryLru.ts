interface Slot<V> {
  value: V;
  bytes: number;
  expiresAt: number;
}

export interface MemoryLruOptions {
  maxEntries: number;
  maxBytes: number;
  now?: () => number;
}

/**
 * A bounded in-process LRU with a TTL per entry. Bounds are hard: after every `set`, at most
 * `maxEntries` entries and `maxBytes` bytes (as declared by the caller) are held, the least
 * recently used going first. Expired entries are dropped when met. A Map keeps insertion
 * order, so "recently used" is "re-inserted on every hit".
 */
export class MemoryLru<V> {
  readonly #slots = new Map<string, Slot<V>>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #now: () => number;
  #bytes = 0;

  constructor(options: MemoryLruOptions) {
    this.#maxEntries = options.maxEntries;
    this.#maxBytes = options.maxBytes;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#slots.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get(key: string): V | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    if (slot.expiresAt <= this.#now()) {
      this.#remove(key, slot);
      return undefined;
    }
    this.#slots.delete(key);
    this.#slots.set(key, slot);
    return slot.value;
  }

  /** Stores `value` for `ttlMs`; a value larger than the whole byte budget is not stored. */
  set(key: string, value: V, bytes: number, ttlMs: number): boolean {
    const old = this.#slots.get(key);
    if (old !== undefined) this.#remove(key, old);
    if (bytes > this.#maxBytes || ttlMs <= 0) return false;
    this.#slots.set(key, { value, bytes, expiresAt: this.#now() + ttlMs });
    this.#bytes += bytes;
    for (const [oldest, slot] of this.#slots) {
      if (this.#slots.size <= this.#maxEntries && this.#bytes <= this.#maxBytes) break;
      this.#remove(oldest, slot);
    }
    return true;
  }

  delete(key: string): void {
    const slot = this.#slots.get(key);
    if (slot !== undefined) this.#remove(key, slot);
  }

  #remove(key: string, slot: Slot<V>): void {
    this.#slots.delete(key);
    this.#bytes -= slot.bytes;
  }
}
