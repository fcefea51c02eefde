import type { Limits } from './apiKeys.js';
import type { Decision } from './slidingWindow.js';

/** Where the windows of every key live: Redis (shared by replicas) or process memory. */
export interface RateLimitStore {
  /**
   * Decides one request of key `id` and, when allowed, counts it: one request, and
   * `promptTokens` (an estimate) against the token window. Atomic per key.
   */
  admit(id: string, limits: Limits, promptTokens: number): Promise<Decision>;
  /** Adds `tokens` (negative to refund) to the key's token window, once the real usage is known. */
  charge(id: string, tokens: number): Promise<void>;
}
