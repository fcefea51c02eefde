import type { FanoutPolicy } from '../fanout/strategies.js';
import type { FanoutFailedError } from '../fanout/fanoutFailed.js';
import type { MinerFailure, PickNext } from '../fanout/types.js';
import type { Logger } from '../logging/logger.js';
import type { ResponseIdentity } from '../openai/render.js';
import type { InferenceRequest } from '../openai/types.js';
import type { Cancellation } from '../lifecycle/cancellation.js';
import type { MinerEntry } from '../metagraph/types.js';
import type { MinerCaller } from './minerCaller.js';
import type { ModelEntry } from './modelCatalog.js';

/** Everything one request's dispatch needs, gathered once by the pipeline. */
export interface DispatchContext {
  model: ModelEntry;
  request: InferenceRequest;
  identity: ResponseIdentity;
  policy: FanoutPolicy;
  requestId: string;
  cancellation: Cancellation;
  deadline: number;
  caller: MinerCaller;
  logger: Logger;
  /** Picks the next miner, never one this request already asked (across fan-outs). */
  pickNext: PickNext;
  /** Routing score of a miner now (ties and selection among answers). */
  scoreOf(miner: MinerEntry): number;
  /** Hedge delay after launching this miner. */
  hedgeDelay(miner: MinerEntry): number;
  /** Answers that disagreed with the others count against their miners. */
  penalise(miner: MinerEntry): void;
}

/** Logs each failed miner call of a request (miner text never reaches clients; here it is only `detail`). */
export function logFailures(ctx: DispatchContext, failures: readonly MinerFailure[]): void {
  for (const { miner, error } of failures) {
    if (error.code === 'cancelled') continue;
    ctx.logger.warn({ reqId: ctx.requestId, uid: miner.uid, hotkey: miner.hotkey, code: error.code, detail: error.detail }, 'miner call failed');
  }
}

/** The clean client error for a fan-out in which no miner answered. */
export function failedFanout(ctx: DispatchContext, error: FanoutFailedError): Error {
  logFailures(ctx, error.failures);
  return error.toGatewayError();
}
