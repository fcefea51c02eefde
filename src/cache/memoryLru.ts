/** One entry, linked into the recency list (`older` towards the eviction end). */
interface Slot<V> {
  key: string;
  value: V;
  bytes: number;
  expiresAt: number;
  older: Slot<V> | undefined;
  newer: Slot<V> | undefined;
}

export interface MemoryLruOptions {
  maxEntries: number;
  maxBytes: number;
  now?: () => number;
}

/**
 * A bounded in-process LRU with a TTL per entry. Bounds are hard: after every `set`, at most
 * `maxEntries` entries and `maxBytes` bytes (as declared by the caller) are held, the least
 * recently used going first. Expired entries are dropped when met.
 *
 * Recency is a doubly linked list beside the Map, so a hit only relinks two pointers and
 * eviction takes the list's tail. Why not the Map's own insertion order (re-insert on a hit,
 * evict the first key): V8's Map keeps deleted entries in its table until it rehashes, so
 * re-adding the same hot key on every hit made each hit walk thousands of them, and finding
 * the oldest key walked the deleted ones at the front (24 µs a hit and ~7 µs a store on a
 * full 10,000-entry cache; `npm run bench -- cache` measures hits on a full cache).
 */
export class MemoryLru<V> {
  readonly #slots = new Map<string, Slot<V>>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #now: () => number;
  #bytes = 0;
  /** Most recently used. */
  #newest: Slot<V> | undefined;
  /** Least recently used: the next to go. */
  #oldest: Slot<V> | undefined;

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
      this.#remove(slot);
      return undefined;
    }
    if (slot !== this.#newest) {
      this.#unlink(slot);
      this.#linkNewest(slot);
    }
    return slot.value;
  }

  /** Stores `value` for `ttlMs`; a value larger than the whole byte budget is not stored. */
  set(key: string, value: V, bytes: number, ttlMs: number): boolean {
    const old = this.#slots.get(key);
    if (old !== undefined) this.#remove(old);
    if (bytes > this.#maxBytes || ttlMs <= 0) return false;
    const slot: Slot<V> = { key, value, bytes, expiresAt: this.#now() + ttlMs, older: undefined, newer: undefined };
    this.#slots.set(key, slot);
    this.#linkNewest(slot);
    this.#bytes += bytes;
    while (this.#oldest !== undefined && (this.#slots.size > this.#maxEntries || this.#bytes > this.#maxBytes)) {
      this.#remove(this.#oldest);
    }
    return true;
  }

  delete(key: string): void {
    const slot = this.#slots.get(key);
    if (slot !== undefined) this.#remove(slot);
  }

  #remove(slot: Slot<V>): void {
    this.#slots.delete(slot.key);
    this.#unlink(slot);
    this.#bytes -= slot.bytes;
  }

  #linkNewest(slot: Slot<V>): void {
    slot.older = this.#newest;
    slot.newer = undefined;
    if (this.#newest !== undefined) this.#newest.newer = slot;
    this.#newest = slot;
    this.#oldest ??= slot;
  }

  #unlink(slot: Slot<V>): void {
    if (slot.older !== undefined) slot.older.newer = slot.newer;
    else this.#oldest = slot.newer;
    if (slot.newer !== undefined) slot.newer.older = slot.older;
    else this.#newest = slot.older;
    slot.older = undefined;
    slot.newer = undefined;
  }
}
