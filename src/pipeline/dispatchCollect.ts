import { collectAnswers } from '../fanout/collect.js';
import { FanoutFailedError } from '../fanout/fanoutFailed.js';
import { collectPlan } from '../fanout/strategies.js';
import type { MinerEntry } from '../metagraph/types.js';
import type { Answer } from '../openai/types.js';
import { chooseBest, chooseConsensus, hasQuorum, type Candidate } from '../selection/choose.js';
import { failedFanout, logFailures, type DispatchContext } from './dispatchContext.js';
import { isDeterministic } from '../cache/policy.js';

export interface CollectedAnswer {
  answer: Answer;
  miner: MinerEntry;
  asked: number;
  /** The strategy that really ran (consensus needs a deterministic request). */
  strategy: 'best-of-k' | 'consensus';
  agreeing: number;
}

/**
 * best-of-k and consensus: ask k miners at once, keep every valid answer until the
 * collection ends, then choose. Consensus needs a deterministic request (temperature 0 or
 * a seed): for others, honest miners disagree by design, and it runs as best-of-k. Streams
 * are read whole and replayed, since the choice can only be made on complete answers.
 */
export async function collectedAnswer(ctx: DispatchContext): Promise<CollectedAnswer> {
  const { model, request, caller, deadline, policy } = ctx;
  const strategy = policy.strategy === 'consensus' && isDeterministic(ctx.request) ? 'consensus' : 'best-of-k';
  const toCandidates = (results: ReadonlyArray<{ miner: MinerEntry; value: Answer }>): Candidate[] =>
    results.map(({ miner, value }) => ({ miner, answer: value, score: ctx.scoreOf(miner) }));
  let collected;
  try {
    collected = await collectAnswers<Answer>({
      plan: collectPlan(policy),
      pickNext: ctx.pickNext,
      cancellation: ctx.cancellation,
      deadline,
      collectMs: policy.collectMs,
      launch: (miner, attempt) => (request.stream
        ? caller.streamWhole(model, request, miner, attempt, deadline)
        : caller.complete(model, request, miner, attempt, deadline)),
      enough: (results) => results.length >= policy.k || (strategy === 'consensus' && hasQuorum(toCandidates(results), policy.k)),
    });
  } catch (error) {
    if (error instanceof FanoutFailedError) throw failedFanout(ctx, error);
    throw error;
  }
  logFailures(ctx, collected.failures);
  const candidates = toCandidates(collected.results);
  const choice = strategy === 'consensus' ? chooseConsensus(candidates) : chooseBest(candidates);
  for (const outlier of choice.outliers) ctx.penalise(outlier.miner);
  if (choice.outliers.length > 0) {
    ctx.logger.info({ reqId: ctx.requestId, outliers: choice.outliers.map((o) => o.miner.uid), chosen: choice.chosen.miner.uid }, 'answers disagreed');
  }
  return { answer: choice.chosen.answer, miner: choice.chosen.miner, asked: collected.asked, strategy, agreeing: choice.agreeing };
}
