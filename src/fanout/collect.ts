import type { MinerEntry } from '../metagraph/types.js';
import { MinerError } from '../transport/minerError.js';
import { Cancellation } from '../lifecycle/cancellation.js';
import { FanoutFailedError } from './fanoutFailed.js';
import type { Collected, FanoutOptions, MinerFailure } from './types.js';

export interface CollectOptions<T> extends FanoutOptions<T> {
  /** After the first success, keep collecting for at most this long. */
  collectMs: number;
  /** Stop early once the results so far settle the choice (e.g. a consensus quorum). */
  enough?: (results: ReadonlyArray<{ miner: MinerEntry; value: T }>) => boolean;
}

/**
 * Asks several miners and keeps every valid answer (best-of-k, consensus). Failed attempts
 * are replaced while the plan allows. Collection ends when every attempt is done, when
 * `enough` says so, `collectMs` after the first success, or at the deadline; attempts still
 * running then are cancelled. Fails only when no attempt succeeded.
 */
export function collectAnswers<T>(options: CollectOptions<T>): Promise<Collected<T>> {
  const { plan, pickNext, launch, cancellation, deadline, discard } = options;
  return new Promise((resolve, reject) => {
    const asked = new Set<string>();
    const inFlight = new Map<MinerEntry, Cancellation>();
    const results: Array<{ miner: MinerEntry; value: T }> = [];
    const failures: MinerFailure[] = [];
    let settled = false;
    let collectTimer: NodeJS.Timeout | undefined;

    const deadlineTimer = setTimeout(() => conclude('deadline'), Math.max(0, deadline - Date.now()));
    const offCancel = cancellation.onCancel(() => conclude('cancelled'));

    function conclude(end: 'done' | 'deadline' | 'cancelled' | 'fatal'): void {
      if (settled) return;
      settled = true;
      clearTimeout(deadlineTimer);
      clearTimeout(collectTimer);
      offCancel();
      for (const attempt of inFlight.values()) attempt.cancel(new MinerError('cancelled', 'collection over'));
      inFlight.clear();
      if (end !== 'cancelled' && end !== 'fatal' && results.length > 0) resolve({ results, asked: asked.size, failures });
      else reject(new FanoutFailedError(failures, asked.size, end === 'done' ? 'exhausted' : end));
    }

    function launchNext(): boolean {
      if (settled || asked.size >= plan.maxAttempts || inFlight.size >= plan.maxConcurrent || Date.now() >= deadline) return false;
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
          results.push({ miner, value });
          if (results.length === 1) collectTimer = setTimeout(() => conclude('done'), options.collectMs);
          if (options.enough?.(results) === true || inFlight.size === 0) conclude('done');
        },
        (error: unknown) => {
          inFlight.delete(miner);
          if (settled) return;
          const failure = error instanceof MinerError ? error : new MinerError('bad_response', String(error), { cause: error });
          failures.push({ miner, error: failure });
          if (!failure.retryable && failure.code !== 'cancelled') return conclude('fatal');
          // A failed attempt is replaced (k answers are wanted), within the plan and the deadline.
          if (!launchNext() && inFlight.size === 0) conclude('done');
        },
      );
      return true;
    }

    let started = 0;
    while (started < plan.initial && launchNext()) started++;
    if (started === 0) {
      settled = true;
      clearTimeout(deadlineTimer);
      offCancel();
      reject(new FanoutFailedError(failures, 0, 'no_miners'));
    }
  });
}
