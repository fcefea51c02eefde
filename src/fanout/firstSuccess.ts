import { Attempts } from './attempts.js';
import { FanoutFailedError, type FanoutEnd } from './fanoutFailed.js';
import type { FanoutOptions, FanoutSuccess } from './types.js';

/**
 * Asks miners until one succeeds: `single` (one at a time, retrying elsewhere), `race`
 * (several at once) and `hedge` (one, plus another whenever the latest is slow) are all this
 * loop with a different plan. The first success wins and every other attempt is cancelled.
 * A non-retryable failure (e.g. context length) ends the whole fan-out at once.
 */
export function firstSuccess<T>(options: FanoutOptions<T>): Promise<FanoutSuccess<T>> {
  const { plan, cancellation, deadline } = options;
  return new Promise((resolve, reject) => {
    let settled = false;
    let hedgeTimer: NodeJS.Timeout | undefined;
    const attempts: Attempts<T> = new Attempts(options, {
      success: (miner, value) => finish(() => resolve({ miner, value, asked: attempts.asked.size, failures: attempts.failures })),
      failure: (_miner, failure) => {
        if (failure.fatal) return finish(() => reject(failed('fatal')));
        if (!launch() && attempts.running === 0) finish(() => reject(failed('exhausted')));
      },
    });
    const failed = (end: FanoutEnd): FanoutFailedError => new FanoutFailedError(attempts.failures, attempts.asked.size, end);
    const deadlineTimer = setTimeout(() => finish(() => reject(failed('deadline'))), Math.max(0, deadline - Date.now()));
    const offCancel = cancellation.onCancel(() => finish(() => reject(failed('cancelled'))));

    function finish(settle: () => void): void {
      if (settled) return;
      settled = true;
      clearTimeout(deadlineTimer);
      clearTimeout(hedgeTimer);
      offCancel();
      attempts.close();
      settle();
    }

    /** Launches one more attempt and, when hedging, arms the timer for the one after. */
    function launch(): boolean {
      const miner = attempts.launchNext();
      if (miner === undefined) return false;
      clearTimeout(hedgeTimer);
      const delay = settled ? undefined : plan.hedgeAfterMs?.(miner);
      if (delay !== undefined) hedgeTimer = setTimeout(launch, delay);
      return true;
    }

    if (settled) return;
    let started = 0;
    while (started < plan.initial && launch()) started++;
    if (started === 0) finish(() => reject(failed('no_miners')));
  });
}
