import type { MinerEntry } from '../metagraph/types.js';
import { MinerError } from '../transport/minerError.js';
import { Cancellation } from '../lifecycle/cancellation.js';
import { FanoutFailedError } from './fanoutFailed.js';
import type { FanoutOptions, FanoutSuccess, MinerFailure } from './types.js';

/**
 * Asks miners until one succeeds: `single` (one at a time, retrying elsewhere), `race`
 * (several at once) and `hedge` (one, plus another whenever the latest is slow) are all this
 * loop with a different plan. The first success wins and every other attempt is cancelled.
 * A non-retryable failure (e.g. context length) ends the whole fan-out at once.
 */
export function firstSuccess<T>(options: FanoutOptions<T>): Promise<FanoutSuccess<T>> {
  const { plan, pickNext, launch, cancellation, deadline, discard } = options;
  return new Promise((resolve, reject) => {
    const asked = new Set<string>();
    const inFlight = new Map<MinerEntry, Cancellation>();
    const failures: MinerFailure[] = [];
    let settled = false;
    let hedgeTimer: NodeJS.Timeout | undefined;

    const deadlineTimer = setTimeout(() => {
      finish(() => reject(new FanoutFailedError(failures, asked.size, 'deadline')));
    }, Math.max(0, deadline - Date.now()));
    const offCancel = cancellation.onCancel(() => finish(() => reject(new FanoutFailedError(failures, asked.size, 'cancelled'))));

    function finish(settle: () => void): void {
      if (settled) return;
      settled = true;
      clearTimeout(deadlineTimer);
      clearTimeout(hedgeTimer);
      offCancel();
      for (const attempt of inFlight.values()) attempt.cancel(new MinerError('cancelled', 'fan-out decided'));
      inFlight.clear();
      settle();
    }

    function launchNext(): boolean {
      if (settled || asked.size >= plan.maxAttempts || inFlight.size >= plan.maxConcurrent) return false;
      if (Date.now() >= deadline) return false;
      const miner = pickNext(asked);
      if (miner === undefined) return false;
      asked.add(miner.hotkey);
      const attempt = new Cancellation();
      inFlight.set(miner, attempt);
      launch(miner, attempt).then(
        (value) => {
          inFlight.delete(miner);
          if (settled) {
            discard?.(value);
            return;
          }
          finish(() => resolve({ miner, value, asked: asked.size, failures }));
        },
        (error: unknown) => {
          inFlight.delete(miner);
          if (settled) return;
          const failure = error instanceof MinerError ? error : new MinerError('bad_response', String(error), { cause: error });
          failures.push({ miner, error: failure });
          if (!failure.retryable && failure.code !== 'cancelled') {
            finish(() => reject(new FanoutFailedError(failures, asked.size, 'fatal')));
            return;
          }
          if (!launchNext() && inFlight.size === 0) {
            finish(() => reject(new FanoutFailedError(failures, asked.size, 'exhausted')));
          }
        },
      );
      scheduleHedge(miner);
      return true;
    }

    function scheduleHedge(latest: MinerEntry): void {
      clearTimeout(hedgeTimer);
      const delay = plan.hedgeAfterMs?.(latest);
      if (delay === undefined || settled) return;
      hedgeTimer = setTimeout(() => launchNext(), delay);
    }

    if (settled) return;
    let started = 0;
    while (started < plan.initial && launchNext()) started++;
    if (started === 0) finish(() => reject(new FanoutFailedError(failures, 0, 'no_miners')));
  });
}
