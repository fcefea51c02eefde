import { MemoryLru } from '../src/cache/memoryLru.js';

/**
 * A hit on a full memory cache: the same hot key read over and over among 10,000 entries,
 * with taogate's MemoryLru and with the textbook Map LRU it replaced (delete and re-insert the
 * key on every hit), which V8 makes slower the more it is used (see memoryLru.ts).
 */
export function runLruHitBench(entries = 10_000, reads = 200_000): Record<string, number> {
  const keys = Array.from({ length: entries }, (_, i) => `v1:${i.toString(16).padStart(64, '0')}`);
  const hot = keys[entries >> 1]!;
  const lru = new MemoryLru<number>({ maxEntries: entries, maxBytes: entries * 10 });
  for (const key of keys) lru.set(key, 1, 10, 3_600_000);
  const map = new Map(keys.map((key) => [key, 1]));
  const time = (read: () => unknown): number => {
    const startedAt = performance.now();
    for (let i = 0; i < reads; i++) read();
    return ((performance.now() - startedAt) * 1000) / reads;
  };
  const reinsert = (): number => {
    const value = map.get(hot)!;
    map.delete(hot);
    map.set(hot, value);
    return value;
  };
  return { 'MemoryLru µs/hit': time(() => lru.get(hot)), 'Map re-insert µs/hit': time(reinsert) };
}
