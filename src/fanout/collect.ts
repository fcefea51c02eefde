import type { MinerEntry } from '../metagraph/types.js';
import { Attempts } from './attempts.js';
import { FanoutFailedError } from './fanoutFailed.js';
import type { Collected, FanoutOptions } from './types.js';

export interface CollectOptions<T> extends FanoutOptions<T> {
  /** After the first success, keep collecting for at most this long. */
  collectMs: number;
  /** Stop early once the results so far settle the choice (e.g. a consensus quorum). */
  enough?: (results: ReadonlyArray<{ miner: MinerEntry; value: T }>) => boolean;
}

/**
 * Asks several miners and keeps every valid answer (best-of-k, consensus). Failed attempts
 * are replaced while the plan allows (k answers are wanted). Collection ends when every
 * attempt is done, when `enough` says so, `collectMs` after the first success, or at the
 * deadline; attempts still running then are cancelled. Fails only when no attempt succeeded.
 */
export function collectAnswers<T>(options: CollectOptions<T>): Promise<Collected<T>> {
  const { plan, cancellation, deadline } = options;
  return new Promise((resolve, reject) => {
    const results: Array<{ miner: MinerEntry; value: T }> = [];
    let settled = false;
    let collectTimer: NodeJS.Timeout | undefined;
    const attempts: Attempts<T> = new Attempts(options, {
      success: (miner, value) => {
        results.push({ miner, value });
        if (results.length === 1) collectTimer = setTimeout(() => conclude('done'), options.collectMs);
        if (options.enough?.(results) === true || attempts.running === 0) conclude('done');
      },
      failure: (_miner, failure) => {
        if (failure.fatal) return conclude('fatal');
        if (attempts.launchNext() === undefined && attempts.running === 0) conclude('done');
      },
    });
    const deadlineTimer = setTimeout(() => conclude('deadline'), Math.max(0, deadline - Date.now()));
    const offCancel = cancellation.onCancel(() => conclude('cancelled'));

    function conclude(end: 'done' | 'deadline' | 'cancelled' | 'fatal'): void {
      if (settled) return;
      settled = true;
      clearTimeout(deadlineTimer);
      clearTimeout(collectTimer);
      offCancel();
      attempts.close();
      const { asked, failures } = attempts;
      // A fatal failure (the request itself was refused) stops asking others; answers already in hand still count.
      if (end !== 'cancelled' && results.length > 0) resolve({ results, asked: asked.size, failures });
      else reject(new FanoutFailedError(failures, asked.size, end === 'done' ? (asked.size === 0 ? 'no_miners' : 'exhausted') : end));
    }

    let started = 0;
    while (started < plan.initial && attempts.launchNext() !== undefined) started++;
    if (started === 0) conclude('done');
  });
}
