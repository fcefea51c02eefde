import type { Timeouts } from './timeouts.js';
import { MinerError, type MinerFailureCode } from './minerError.js';

/**
 * The timers of one miner call: first byte, idle gap between chunks, and the total
 * (bounded by the request's deadline). Whichever fires first aborts the call with its own
 * code, so a timeout is always reported as the right kind.
 */
export class CallWatchdog {
  readonly #controller = new AbortController();
  readonly #parent: AbortSignal;
  readonly #onParentAbort = (): void => this.fire('cancelled', 'cancelled by caller');
  #firstByte: NodeJS.Timeout | undefined;
  #idle: NodeJS.Timeout | undefined;
  #total: NodeJS.Timeout | undefined;
  #failure: MinerError | undefined;
  readonly #idleMs: number;

  constructor(parent: AbortSignal, timeouts: Timeouts, deadline: number, now: number) {
    this.#parent = parent;
    this.#idleMs = timeouts.idleMs;
    const remaining = Math.max(0, deadline - now);
    const totalMs = Math.min(timeouts.totalMs, remaining);
    this.#total = setTimeout(() => this.fire('total_timeout', `no answer within ${totalMs} ms`), totalMs);
    if (timeouts.firstByteMs < totalMs) {
      this.#firstByte = setTimeout(() => this.fire('first_byte_timeout', `no first byte within ${timeouts.firstByteMs} ms`), timeouts.firstByteMs);
    }
    if (parent.aborted) this.#onParentAbort();
    else parent.addEventListener('abort', this.#onParentAbort, { once: true });
  }

  /** Abort signal for the HTTP request. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The timeout or cancellation that aborted the call, if any. */
  get failure(): MinerError | undefined {
    return this.#failure;
  }

  /** The answer started: the first-byte timer is done and the idle timer takes over. */
  firstByte(): void {
    if (this.#firstByte !== undefined) clearTimeout(this.#firstByte);
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
    this.#controller.abort(this.#failure);
    this.dispose();
  }

  dispose(): void {
    clearTimeout(this.#firstByte);
    clearTimeout(this.#idle);
    clearTimeout(this.#total);
    this.#parent.removeEventListener('abort', this.#onParentAbort);
  }
}
