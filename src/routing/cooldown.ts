/**
 * Per-miner circuit breaker. Closed: the miner takes traffic. After `failuresToOpen`
 * consecutive failures it opens for a cooldown that doubles each time it re-opens (up to
 * `maxMs`); a miner's own Retry-After opens it for exactly that long. When the cooldown
 * ends it is half-open: one probe request at a time; success closes it, failure re-opens.
 */
export interface CooldownPolicy {
  failuresToOpen: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_COOLDOWN: CooldownPolicy = { failuresToOpen: 3, baseMs: 5_000, maxMs: 300_000 };

export type BreakerState = 'closed' | 'open' | 'half-open';

export class Cooldown {
  #consecutiveFailures = 0;
  #openUntil = 0;
  #opens = 0;
  #probing = false;
  readonly #policy: CooldownPolicy;

  constructor(policy: CooldownPolicy = DEFAULT_COOLDOWN) {
    this.#policy = policy;
  }

  state(now: number): BreakerState {
    if (this.#openUntil === 0) return 'closed';
    return now < this.#openUntil ? 'open' : 'half-open';
  }

  /** When an open breaker turns half-open (0 when closed). */
  get openUntil(): number {
    return this.#openUntil;
  }

  /** Whether a request may go to this miner now (half-open admits one probe at a time). */
  admits(now: number): boolean {
    const state = this.state(now);
    return state === 'closed' || (state === 'half-open' && !this.#probing);
  }

  /** A request was sent (marks the half-open probe as taken). */
  started(now: number): void {
    if (this.state(now) === 'half-open') this.#probing = true;
  }

  succeeded(): void {
    this.#consecutiveFailures = 0;
    this.#openUntil = 0;
    this.#opens = 0;
    this.#probing = false;
  }

  failed(now: number): void {
    this.#probing = false;
    this.#consecutiveFailures++;
    // Calls that were in flight when the breaker opened fail one by one: they confirm the
    // open state, they must not double the cooldown each.
    if (this.state(now) === 'open') return;
    const halfOpen = this.#openUntil !== 0 && now >= this.#openUntil;
    if (halfOpen || this.#consecutiveFailures >= this.#policy.failuresToOpen) {
      const ms = Math.min(this.#policy.maxMs, this.#policy.baseMs * 2 ** this.#opens);
      this.#opens++;
      this.#openUntil = now + ms;
    }
  }

  /** The miner asked us to wait (429 Retry-After): honour exactly that, without escalating. */
  retryAfter(now: number, seconds: number): void {
    this.#probing = false;
    this.#openUntil = Math.max(this.#openUntil, now + seconds * 1000);
  }

  /** A cancelled probe (we gave up on it, e.g. another miner won) frees the probe slot. */
  released(): void {
    this.#probing = false;
  }
}
