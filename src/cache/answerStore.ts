import type { CachedEntry, EncodedEntry } from './entry.js';
import { MemoryLru } from './memoryLru.js';

/** What a lookup found. */
export type Lookup =
  | { kind: 'hit'; entry: CachedEntry }
  /** Nothing stored, and no lock taken: answer alone. */
  | { kind: 'miss' }
  /** Nothing stored, and this caller now holds the flight's lock: answer, then `finish`. */
  | { kind: 'leader' }
  /** Nothing stored, and another replica holds the lock: `wait`, then look again. */
  | { kind: 'busy' };

export const MISS: Lookup = Object.freeze({ kind: 'miss' });
export const LEADER: Lookup = Object.freeze({ kind: 'leader' });
export const BUSY: Lookup = Object.freeze({ kind: 'busy' });

/** How a flight another replica led ended, as far as a waiting follower can tell. */
export type FlightSignal = 'done' | 'failed' | 'timeout';

/**
 * Where cached answers live, and how replicas agree on one leader per key (a lock with a
 * short TTL). Implementations never throw: a store that cannot answer says `miss`.
 */
export interface AnswerStore {
  /** The entry under `key` right now, for stores that can tell without I/O (memory): the hit path without promises. */
  peek?(key: string): CachedEntry | undefined;
  /** The entry under `key`; on a miss with `lockOwner` given, also tries to take the flight's lock. */
  lookup(key: string, lockOwner: string | undefined): Promise<Lookup>;
  /**
   * Stores `encoded` (when given) for `ttlMs`; with `lockOwner`, also releases that lock and
   * tells waiting replicas how the flight ended (`encoded` undefined means it failed).
   */
  finish(key: string, encoded: EncodedEntry | undefined, ttlMs: number, lockOwner: string | undefined): Promise<void>;
  /** Extends the lock while its owner still works (a dead owner stops renewing: the way out). */
  renew(key: string, lockOwner: string, ttlMs: number): Promise<void>;
  /** Resolves when the flight under `key` ends elsewhere, or after `ms`. */
  wait(key: string, ms: number): Promise<FlightSignal>;
}

/**
 * The store of a single replica: a bounded LRU in process memory. No locks (coalescing
 * within the process needs none), nothing to wait for.
 */
export class MemoryAnswerStore implements AnswerStore {
  readonly lru: MemoryLru<CachedEntry>;

  constructor(options: { maxEntries: number; maxBytes: number; now?: () => number }) {
    this.lru = new MemoryLru<CachedEntry>(options);
  }

  peek(key: string): CachedEntry | undefined {
    return this.lru.get(key);
  }

  lookup(key: string): Promise<Lookup> {
    return Promise.resolve(this.lookupNow(key));
  }

  /** Synchronous lookup, for callers falling back from a store that failed. */
  lookupNow(key: string): Lookup {
    const entry = this.lru.get(key);
    return entry === undefined ? MISS : { kind: 'hit', entry };
  }

  finish(key: string, encoded: EncodedEntry | undefined, ttlMs: number): Promise<void> {
    this.finishNow(key, encoded, ttlMs);
    return Promise.resolve();
  }

  finishNow(key: string, encoded: EncodedEntry | undefined, ttlMs: number): void {
    if (encoded !== undefined) this.lru.set(key, encoded.entry, encoded.bytes, ttlMs);
  }

  renew(): Promise<void> {
    return Promise.resolve();
  }

  wait(_key: string, ms: number): Promise<FlightSignal> {
    return new Promise((resolve) => setTimeout(() => resolve('timeout'), ms));
  }
}
