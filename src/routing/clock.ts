/** Milliseconds since the epoch (Date.now in production, a hand-moved clock in tests). */
export type Clock = () => number;

/** A number in [0, 1) (Math.random in production, a seeded generator in tests). */
export type Random = () => number;

/** A small seeded generator (mulberry32): deterministic sampling for tests and benchmarks. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
