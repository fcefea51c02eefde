import { describe, expect, it } from 'vitest';
import { ReplayCache } from '../src/protocols/replayCache.js';

describe('ReplayCache', () => {
  it('accepts an id once, then refuses it until it expires', () => {
    const cache = new ReplayCache();
    expect(cache.checkAndRemember('a', 1_000, 0)).toBe(true);
    expect(cache.checkAndRemember('a', 1_500, 999)).toBe(false);
    expect(cache.checkAndRemember('a', 2_000, 1_000)).toBe(true);
    expect(cache.checkAndRemember('a', 3_000, 1_999)).toBe(false);
  });

  it('sweeps expired entries as time passes', () => {
    const cache = new ReplayCache();
    for (let i = 0; i < 100; i++) cache.checkAndRemember(`id${i}`, 1_000 + i, i);
    expect(cache.size).toBe(100);
    cache.checkAndRemember('late', 10_000, 1_050);
    expect(cache.size).toBe(50);
  });

  it('stays at its cap under a flood, evicting the oldest ids', () => {
    const cache = new ReplayCache({ maxEntries: 1_000 });
    let accepted = 0;
    for (let i = 0; i < 100_000; i++) if (cache.checkAndRemember(`flood${i}`, 1e12, 0)) accepted++;
    expect(accepted).toBe(100_000);
    expect(cache.size).toBe(1_000);
    expect(cache.checkAndRemember('flood99999', 1e12, 1)).toBe(false);
    expect(cache.checkAndRemember('flood99000', 1e12, 1)).toBe(false);
    // Evicted: the price of bounded memory, documented in the module.
    expect(cache.checkAndRemember('flood98999', 1e12, 1)).toBe(true);
    expect(cache.size).toBe(1_000);
  });

  it('evicts in constant time per id even at the default cap', () => {
    // Guards against evicting through Map iteration, which degrades to O(n) per eviction.
    const cache = new ReplayCache();
    const started = performance.now();
    for (let i = 0; i < 300_000; i++) cache.checkAndRemember(`id${i}`, 1e12, 0);
    expect(cache.size).toBe(100_000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('keeps an id accepted again after expiring when its old entry is swept', () => {
    const cache = new ReplayCache();
    expect(cache.checkAndRemember('x', 1_000, 0)).toBe(true);
    expect(cache.checkAndRemember('a', 100, 0)).toBe(true);
    // 'a' expired but still sits behind the live 'x'; it is accepted again, until 1200.
    expect(cache.checkAndRemember('a', 1_200, 200)).toBe(true);
    // Sweeping at 1100 drops 'x' and the first 'a' entry, but not the second.
    expect(cache.checkAndRemember('y', 2_000, 1_100)).toBe(true);
    expect(cache.checkAndRemember('a', 2_100, 1_100)).toBe(false);
    expect(cache.size).toBe(2);
  });

  it('refuses a nonsensical cap', () => {
    expect(() => new ReplayCache({ maxEntries: 0 })).toThrow(RangeError);
  });
});
