import type { Limits } from './apiKeys.js';
import type { RateLimitStore } from './rateLimiter.js';
import { limitState, waitFor, WINDOW_MS, type Decision, type WindowCounts } from './slidingWindow.js';

interface KeyWindows {
  window: number;
  requests: WindowCounts;
  tokens: WindowCounts;
}

/** Past this many keys, keys idle for two windows are forgotten (their windows are empty anyway). */
const MAX_KEYS = 100_000;

/**
 * The sliding windows in process memory: the limiter of a single replica, and the fallback of
 * every replica while Redis is down (then each replica enforces the full limit on its own).
 */
export class MemoryRateLimiter implements RateLimitStore {
  readonly #keys = new Map<string, KeyWindows>();
  readonly #now: () => number;
  /** The window of the last sweep: at most one full scan per window, however many keys arrive. */
  #sweptWindow = -1;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  admit(id: string, limits: Limits, promptTokens: number): Promise<Decision> {
    return Promise.resolve(this.admitNow(id, limits, promptTokens));
  }

  /** Synchronous admit, for callers falling back from Redis. */
  admitNow(id: string, limits: Limits, promptTokens: number): Decision {
    const now = this.#now();
    const windows = this.#windows(id, now);
    const elapsed = now - windows.window * WINDOW_MS;
    const rpm = limits.requestsPerMinute;
    const tpm = limits.tokensPerMinute;
    const needTokens = tpm === undefined ? 0 : Math.max(1, Math.min(promptTokens, tpm));
    const requestWait = rpm === undefined ? 0 : waitFor(windows.requests, elapsed, rpm, 1);
    const tokenWait = tpm === undefined ? 0 : waitFor(windows.tokens, elapsed, tpm, needTokens);
    const allowed = requestWait === 0 && tokenWait === 0;
    if (allowed) {
      windows.requests.current += 1;
      windows.tokens.current += promptTokens;
    }
    const decision: Decision = { allowed, retryAfterMs: Math.max(requestWait, tokenWait) };
    if (!allowed) decision.refusedBy = requestWait > 0 ? 'requests' : 'tokens';
    if (rpm !== undefined) decision.requests = limitState(windows.requests, elapsed, rpm, 0);
    if (tpm !== undefined) decision.tokens = limitState(windows.tokens, elapsed, tpm, 0);
    return decision;
  }

  charge(id: string, tokens: number): Promise<void> {
    this.chargeNow(id, tokens);
    return Promise.resolve();
  }

  chargeNow(id: string, tokens: number): void {
    const windows = this.#windows(id, this.#now());
    windows.tokens.current = Math.max(0, windows.tokens.current + tokens);
  }

  #windows(id: string, now: number): KeyWindows {
    const window = Math.floor(now / WINDOW_MS);
    let windows = this.#keys.get(id);
    if (windows === undefined) {
      if (this.#keys.size >= MAX_KEYS && this.#sweptWindow !== window) this.#forgetIdle(window);
      windows = { window, requests: { current: 0, previous: 0 }, tokens: { current: 0, previous: 0 } };
      this.#keys.set(id, windows);
    } else if (windows.window !== window) {
      const adjacent = windows.window === window - 1;
      windows.requests = { current: 0, previous: adjacent ? windows.requests.current : 0 };
      windows.tokens = { current: 0, previous: adjacent ? windows.tokens.current : 0 };
      windows.window = window;
    }
    return windows;
  }

  #forgetIdle(window: number): void {
    this.#sweptWindow = window;
    for (const [id, windows] of this.#keys) if (windows.window < window - 1) this.#keys.delete(id);
  }
}
