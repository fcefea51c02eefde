import { Cancellation } from '../lifecycle/cancellation.js';
import type { MinerEntry } from '../metagraph/types.js';
import { MinerError, asMinerError } from '../transport/minerError.js';
import type { FanoutOptions, MinerFailure } from './types.js';

export interface AttemptHandlers<T> {
  success(miner: MinerEntry, value: T): void;
  /** Called after the failure was recorded in `failures`. */
  failure(miner: MinerEntry, error: MinerError): void;
}

/**
 * The bookkeeping every fan-out strategy shares: which miners were asked, which attempts
 * are running (each with its own cancellation), what failed. Launching respects the plan's
 * limits and the deadline; after `close()` every running attempt is cancelled and results
 * that still arrive are discarded.
 */
export class Attempts<T> {
  readonly asked = new Set<string>();
  readonly failures: MinerFailure[] = [];
  readonly #running = new Map<MinerEntry, Cancellation>();
  readonly #options: FanoutOptions<T>;
  readonly #handlers: AttemptHandlers<T>;
  #closed = false;

  constructor(options: FanoutOptions<T>, handlers: AttemptHandlers<T>) {
    this.#options = options;
    this.#handlers = handlers;
  }

  /** Attempts still running. */
  get running(): number {
    return this.#running.size;
  }

  /** Starts one more attempt if the plan, the deadline and the miners allow it; returns its miner. */
  launchNext(): MinerEntry | undefined {
    const { plan, pickNext, launch, deadline } = this.#options;
    if (this.#closed || this.asked.size >= plan.maxAttempts || this.#running.size >= plan.maxConcurrent || Date.now() >= deadline) return undefined;
    const miner = pickNext(this.asked);
    if (miner === undefined) return undefined;
    this.asked.add(miner.hotkey);
    const attempt = new Cancellation();
    this.#running.set(miner, attempt);
    launch(miner, attempt).then(
      (value) => {
        this.#running.delete(miner);
        if (this.#closed) this.#options.discard?.(value);
        else this.#handlers.success(miner, value);
      },
      (error: unknown) => {
        this.#running.delete(miner);
        if (this.#closed) return;
        const failure = asMinerError(error);
        this.failures.push({ miner, error: failure });
        this.#handlers.failure(miner, failure);
      },
    );
    return miner;
  }

  /** Cancels every running attempt; nothing is launched or reported after this. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const attempt of this.#running.values()) attempt.cancel(new MinerError('cancelled', 'fan-out decided'));
    this.#running.clear();
  }
}
