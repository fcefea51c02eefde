import type { Timeouts } from './timeouts.js';
import { MinerError, type MinerFailureCode } from './minerError.js';

/**
 * The timers of one miner call: first byte, idle gap between chunks, and the total (bounded
 * by the request's deadline). Whichever is due first reports its own code, so a timeout is
 * always reported as the right kind; `onFire` aborts the call.
 *
 * One Node timer serves all three. The deadlines are plain numbers, a chunk only notes the
 * time it arrived, and the timer, when it fires, works out which deadline (if any) has passed
 * and otherwise sleeps until the next one. A call that answers in time costs one setTimeout
 * and one clearTimeout instead of three of each plus a refresh per chunk.
 */
export class CallWatchdog {
  #timer: NodeJS.Timeout | undefined;
  /** When the timer is set to fire (epoch ms). */
  #timerAt = Infinity;
  readonly #totalAt: number;
  readonly #totalMs: number;
  /** Infinity once the first byte arrived (or when the total comes first anyway). */
  #firstByteAt: number;
  readonly #firstByteMs: number;
  readonly #idleMs: number;
  /** When the last chunk arrived; the idle deadline runs from there once the first byte is in. */
  #lastActivity = 0;
  #idle = false;
  #failure: MinerError | undefined;
  /** Once the call is over, late signals (chunks replayed from a buffer) must not arm timers. */
  #disposed = false;
  readonly #onFire: (failure: MinerError) => void;

  constructor(timeouts: Timeouts, deadline: number, now: number, onFire: (failure: MinerError) => void) {
    this.#idleMs = timeouts.idleMs;
    this.#onFire = onFire;
    this.#totalMs = Math.min(timeouts.totalMs, Math.max(0, deadline - now));
    this.#totalAt = now + this.#totalMs;
    this.#firstByteMs = timeouts.firstByteMs;
    this.#firstByteAt = timeouts.firstByteMs < this.#totalMs ? now + timeouts.firstByteMs : Infinity;
    this.#arm(now, Math.min(this.#totalAt, this.#firstByteAt));
  }

  /** The timeout or cancellation that ended the call, if any. */
  get failure(): MinerError | undefined {
    return this.#failure;
  }

  /** The answer started: the first-byte deadline is done and the idle deadline takes over. */
  firstByte(): void {
    if (this.#disposed || this.#idle) return;
    this.#firstByteAt = Infinity;
    this.#idle = true;
    this.#lastActivity = Date.now();
    // The timer (set for the first byte or the total) fires at its time and re-arms then: an
    // earlier idle deadline is the only reason to move it now.
    const idleAt = this.#lastActivity + this.#idleMs;
    if (idleAt < this.#timerAt) this.#arm(this.#lastActivity, idleAt);
  }

  /** A chunk arrived: the idle deadline moves (no timer is touched). */
  activity(): void {
    if (this.#idle) this.#lastActivity = Date.now();
  }

  fire(code: MinerFailureCode, detail: string): void {
    if (this.#failure !== undefined) return;
    this.#failure = new MinerError(code, detail);
    this.dispose();
    this.#onFire(this.#failure);
  }

  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(now: number, at: number): void {
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#check(), Math.max(1, at - now));
  }

  #check(): void {
    this.#timer = undefined;
    if (this.#disposed) return;
    const now = Date.now();
    if (now >= this.#totalAt) return this.fire('total_timeout', `no answer within ${this.#totalMs} ms`);
    if (now >= this.#firstByteAt) return this.fire('first_byte_timeout', `no first byte within ${this.#firstByteMs} ms`);
    const idleAt = this.#idle ? this.#lastActivity + this.#idleMs : Infinity;
    if (now >= idleAt) return this.fire('idle_timeout', `stream silent for ${this.#idleMs} ms`);
    this.#arm(now, Math.min(this.#totalAt, this.#firstByteAt, idleAt));
  }
}
