import type { Timeouts } from './timeouts.js';
import { MinerError, type MinerFailureCode } from './minerError.js';

/**
 * The timers of one miner call: first byte, idle gap between chunks, and the total
 * (bounded by the request's deadline). Whichever fires first reports its own code, so a
 * timeout is always reported as the right kind; `onFire` aborts the call.
 */
export class CallWatchdog {
  #firstByte: NodeJS.Timeout | undefined;
  #idle: NodeJS.Timeout | undefined;
  #total: NodeJS.Timeout | undefined;
  #failure: MinerError | undefined;
  /** Once the call is over, late signals (chunks replayed from a buffer) must not arm timers. */
  #disposed = false;
  readonly #idleMs: number;
  readonly #onFire: (failure: MinerError) => void;

  constructor(timeouts: Timeouts, deadline: number, now: number, onFire: (failure: MinerError) => void) {
    this.#idleMs = timeouts.idleMs;
    this.#onFire = onFire;
    const totalMs = Math.min(timeouts.totalMs, Math.max(0, deadline - now));
    this.#total = setTimeout(() => this.fire('total_timeout', `no answer within ${totalMs} ms`), totalMs);
    if (timeouts.firstByteMs < totalMs) {
      this.#firstByte = setTimeout(() => this.fire('first_byte_timeout', `no first byte within ${timeouts.firstByteMs} ms`), timeouts.firstByteMs);
    }
  }

  /** The timeout or cancellation that ended the call, if any. */
  get failure(): MinerError | undefined {
    return this.#failure;
  }

  /** The answer started: the first-byte timer is done and the idle timer takes over. */
  firstByte(): void {
    if (this.#disposed || (this.#firstByte === undefined && this.#idle !== undefined)) return;
    clearTimeout(this.#firstByte);
    this.#firstByte = undefined;
    this.#idle = setTimeout(() => this.fire('idle_timeout', `stream silent for ${this.#idleMs} ms`), this.#idleMs);
  }

  /** A chunk arrived: restart the idle timer (refresh() re-arms without allocating). */
  activity(): void {
    this.#idle?.refresh();
  }

  fire(code: MinerFailureCode, detail: string): void {
    if (this.#failure !== undefined) return;
    this.#failure = new MinerError(code, detail);
    this.dispose();
    this.#onFire(this.#failure);
  }

  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#firstByte);
    clearTimeout(this.#idle);
    clearTimeout(this.#total);
  }
}
