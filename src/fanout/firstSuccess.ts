import { Attempts } from './attempts.js';
import { FanoutFailedError, type FanoutEnd } from './fanoutFailed.js';
import type { FanoutOptions, FanoutSuccess } from './types.js';
import type { MinerEntry } from '../metagraph/types.js';
import type { MinerError } from '../transport/minerError.js';

/**
 * Asks miners until one succeeds: `single` (one at a time, retrying elsewhere), `race`
 * (several at once) and `hedge` (one, plus another whenever the latest is slow) are all this
 * loop with a different plan. The first success wins and every other attempt is cancelled.
 * A non-retryable failure (e.g. context length) ends the whole fan-out at once.
 *
 * The request's deadline needs no timer of its own: every attempt's watchdog ends it by the
 * deadline at the latest (see CallWatchdog), no attempt is launched past it, and when the
 * last attempt fails at or after the deadline the fan-out ends as `deadline`.
 */
export function firstSuccess<T>(options: FanoutOptions<T>): Promise<FanoutSuccess<T>> {
  return new Promise((resolve, reject) => new FirstSuccess(options, resolve, reject).start());
}

/** One run of firstSuccess (a class rather than closures: one of these per request). */
class FirstSuccess<T> {
  readonly #options: FanoutOptions<T>;
  readonly #resolve: (success: FanoutSuccess<T>) => void;
  readonly #reject: (error: FanoutFailedError) => void;
  readonly #attempts: Attempts<T>;
  #settled = false;
  #hedgeTimer: NodeJS.Timeout | undefined;
  #offCancel: (() => void) | undefined;

  constructor(options: FanoutOptions<T>, resolve: (success: FanoutSuccess<T>) => void, reject: (error: FanoutFailedError) => void) {
    this.#options = options;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#attempts = new Attempts(options, this);
  }

  start(): void {
    this.#offCancel = this.#options.cancellation.onCancel(() => this.#fail('cancelled'));
    if (this.#settled) return;
    let started = 0;
    while (started < this.#options.plan.initial && this.#launch()) started++;
    if (started === 0) this.#fail(this.#pastDeadlineOr('no_miners'));
  }

  /** An attempt succeeded (called by Attempts). */
  success(miner: MinerEntry, value: T): void {
    if (!this.#end()) return;
    const attempts = this.#attempts;
    this.#resolve({ miner, value, asked: attempts.asked.size, failures: attempts.failures });
  }

  /** An attempt failed (called by Attempts, after it recorded the failure). */
  failure(_miner: MinerEntry, failure: MinerError): void {
    if (failure.fatal) return this.#fail('fatal');
    if (!this.#launch() && this.#attempts.running === 0) this.#fail(this.#pastDeadlineOr('exhausted'));
  }

  /** Launches one more attempt and, when hedging, arms the timer for the one after. */
  #launch(): boolean {
    const miner = this.#attempts.launchNext();
    if (miner === undefined) return false;
    clearTimeout(this.#hedgeTimer);
    const delay = this.#settled ? undefined : this.#options.plan.hedgeAfterMs?.(miner);
    if (delay !== undefined) this.#hedgeTimer = setTimeout(() => this.#launch(), delay);
    return true;
  }

  /** Why nothing more can be launched: the deadline if it has passed (there is no timer for it), else `end`. */
  #pastDeadlineOr(end: FanoutEnd): FanoutEnd {
    return Date.now() >= this.#options.deadline ? 'deadline' : end;
  }

  #fail(end: FanoutEnd): void {
    if (!this.#end()) return;
    const attempts = this.#attempts;
    this.#reject(new FanoutFailedError(attempts.failures, attempts.asked.size, end));
  }

  /** Settles once: stops the hedge timer, the cancellation listener and every other attempt. */
  #end(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    clearTimeout(this.#hedgeTimer);
    this.#offCancel?.();
    this.#attempts.close();
    return true;
  }
}
