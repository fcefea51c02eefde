/**
 * Sliding-window rate limiting over one-minute windows, as in Redis's and Cloudflare's
 * "sliding window counter": the count of the current fixed window plus the previous
 * window's count weighted by how much of it still overlaps the last 60 s. Two counters per
 * limit, exact enough (it assumes the previous window's requests were spread evenly), and
 * no burst of 2x at window edges as with fixed windows. The same arithmetic runs in Lua
 * (state/redisRateLimiter.ts) and in process memory (memoryRateLimiter.ts).
 */
export const WINDOW_MS = 60_000;

/** One limit's verdict, in ms and counts. */
export interface LimitState {
  limit: number;
  remaining: number;
  /** Until one more unit fits again when exhausted; else until the current window ends. */
  resetMs: number;
}

/** A decision for one request. */
export interface Decision {
  allowed: boolean;
  /** Which limit refused it. */
  refusedBy?: 'requests' | 'tokens';
  retryAfterMs: number;
  requests?: LimitState;
  tokens?: LimitState;
}

/** Counts of one key in the current and previous window. */
export interface WindowCounts {
  current: number;
  previous: number;
}

/** The estimated use over the last 60 s at `elapsed` ms into the current window. */
export function estimate(counts: WindowCounts, elapsed: number): number {
  return counts.previous * ((WINDOW_MS - elapsed) / WINDOW_MS) + counts.current;
}

/** How long until `need` more units fit under `limit`, assuming nothing else is added. */
export function waitFor(counts: WindowCounts, elapsed: number, limit: number, need: number): number {
  if (estimate(counts, elapsed) + need <= limit) return 0;
  if (counts.current + need <= limit) {
    // Within this window, as the previous window's share decays.
    return Math.max(0, WINDOW_MS - elapsed - ((limit - counts.current - need) * WINDOW_MS) / counts.previous);
  }
  // Only after this window ends, as its own count decays in the next one.
  return WINDOW_MS - elapsed + Math.max(0, WINDOW_MS - ((limit - need) * WINDOW_MS) / counts.current);
}

/** Verdict for one limit after (or without) admitting `need` units. */
export function limitState(counts: WindowCounts, elapsed: number, limit: number, used: number): LimitState {
  const remaining = Math.max(0, Math.floor(limit - estimate(counts, elapsed) - used));
  return { limit, remaining, resetMs: remaining > 0 ? WINDOW_MS - elapsed : Math.max(1, waitFor(counts, elapsed, limit, 1)) };
}
