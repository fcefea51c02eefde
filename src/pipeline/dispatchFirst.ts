import { isDeterministic } from '../cache/policy.js';
import { firstSuccess } from '../fanout/firstSuccess.js';
import { FanoutFailedError } from '../fanout/fanoutFailed.js';
import { firstAnswerPlan } from '../fanout/strategies.js';
import type { FanoutSuccess } from '../fanout/types.js';
import type { Answer } from '../openai/types.js';
import type { Cancellation } from '../lifecycle/cancellation.js';
import { MinerError } from '../transport/minerError.js';
import { failedFanout, logFailures, type DispatchContext } from './dispatchContext.js';
import type { StreamAttempt } from './minerCaller.js';
import { relayStream } from './streamRelay.js';
import type { ChunkBatch, RelayHooks } from './streamRelay.js';

/** single, race, hedge: the first valid answer wins. */
export async function firstAnswer(ctx: DispatchContext): Promise<FanoutSuccess<Answer>> {
  const { model, request, caller, deadline } = ctx;
  return await run(ctx, () => firstSuccess<Answer>({
    plan: firstAnswerPlan(ctx.policy, ctx.hedgeDelay),
    pickNext: ctx.pickNext,
    cancellation: ctx.cancellation,
    deadline,
    launch: (miner, attempt) => caller.complete(model, request, miner, attempt, deadline),
  }));
}

/**
 * single, race, hedge for streams: miners race until one has produced valid content, then
 * the stream commits to it. Before the commit, failures fail over silently. After it, a
 * failure of a deterministic request is spliced onto another miner's identical answer (see
 * streamRelay.ts); otherwise the stream ends with an SSE error event.
 */
export async function firstStream(ctx: DispatchContext, hooks: RelayHooks = {}): Promise<{ won: FanoutSuccess<StreamAttempt>; events: AsyncIterable<ChunkBatch> }> {
  const won = await run(ctx, () => firstSuccess<StreamAttempt>(streamOptions(ctx, firstAnswerPlan(ctx.policy, ctx.hedgeDelay))));
  const events = relayStream(won.value, ctx.request, ctx.identity, {
    ...hooks,
    resume: async () => {
      // A fresh fan-out, one miner at a time, among miners this request has not asked yet.
      const retries = Math.max(1, ctx.policy.retries);
      const next = await firstSuccess<StreamAttempt>(streamOptions(ctx, { initial: 1, maxConcurrent: 1, maxAttempts: retries }));
      logFailures(ctx, next.failures);
      return next.value;
    },
    canSplice: isDeterministic(ctx.request),
  });
  return { won, events };
}

function streamOptions(ctx: DispatchContext, plan: ReturnType<typeof firstAnswerPlan>) {
  const { model, request, caller, deadline } = ctx;
  return {
    plan,
    pickNext: ctx.pickNext,
    cancellation: ctx.cancellation,
    deadline,
    launch: (miner: StreamAttempt['miner'], attempt: Cancellation) => caller.stream(model, request, miner, attempt, deadline),
    discard: (attempt: StreamAttempt) => {
      attempt.primed.stream.close();
      attempt.record.failure(new MinerError('cancelled', 'lost the race'));
    },
  };
}

async function run<T>(ctx: DispatchContext, fanout: () => Promise<FanoutSuccess<T>>): Promise<FanoutSuccess<T>> {
  try {
    const won = await fanout();
    logFailures(ctx, won.failures);
    return won;
  } catch (error) {
    if (error instanceof FanoutFailedError) throw failedFanout(ctx, error);
    throw error;
  }
}
