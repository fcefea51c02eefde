import { GatewayError, modelNotFound } from '../errors/gatewayError.js';
import { resolvePolicy, type FanoutPolicy } from '../fanout/strategies.js';
import type { Logger } from '../logging/logger.js';
import type { Cancellation } from '../lifecycle/cancellation.js';
import type { MinerEntry } from '../metagraph/types.js';
import { newResponseIdentity, type ResponseIdentity } from '../openai/render.js';
import type { Answer, InferenceRequest } from '../openai/types.js';
import { estimateUsage } from '../openai/usage.js';
import type { ScoredSelector } from '../routing/selector.js';
import type { Telemetry } from '../routing/telemetry.js';
import type { CacheDirectives } from '../cache/policy.js';
import type { ResponseCache } from '../cache/responseCache.js';
import type { DispatchContext } from './dispatchContext.js';
import { collectedAnswer } from './dispatchCollect.js';
import { firstAnswer, firstStream } from './dispatchFirst.js';
import type { MinerCaller } from './minerCaller.js';
import type { ModelCatalog, ModelEntry } from './modelCatalog.js';
import { wholeAnswerResult } from '../cache/replay.js';
import type { ChunkBatch, RelayHooks } from './streamRelay.js';

/** How the answer was produced, for response headers and logs. */
export interface ResultMeta {
  model: string;
  strategy: string;
  miner?: Pick<MinerEntry, 'uid' | 'hotkey'>;
  /** Miners asked for this request. */
  asked: number;
  cache: 'HIT' | 'MISS' | 'BYPASS';
  /** For cache hits: seconds since the answer was stored (the `Age` header). */
  cacheAgeSeconds?: number;
}

export type InferenceResult =
  /** A whole answer, already serialised (`chat.completion` / `text_completion` JSON). */
  | { kind: 'json'; text: string; meta: ResultMeta }
  | { kind: 'stream'; events: AsyncIterable<ChunkBatch>; meta: ResultMeta }
  /** A stream whose every chunk is known up front (cache replays, answers chosen whole): sent in one write. */
  | { kind: 'replay'; whole: ChunkBatch; meta: ResultMeta };

export interface InferenceContext {
  requestId: string;
  /** Cancelled when the client disconnects. */
  cancellation: Cancellation;
  /** Per-request fan-out overrides (the x-taogate-strategy and x-taogate-k headers). */
  strategyOverride?: string;
  kOverride?: string;
  /** What the client asked of the cache (`Cache-Control`, `x-taogate-cache`); none when absent. */
  cacheDirectives?: Readonly<CacheDirectives>;
  /** The caller's API key id, for per-key cache namespaces. */
  keyId?: string;
  /** Called once with the whole answer the client gets, when it is complete (token accounting). */
  answered?(answer: Answer, cached: boolean): void;
  /** Set by the pipeline as soon as the cache outcome is known (for headers of error responses). */
  cache?: ResultMeta['cache'];
}

export interface PipelineDeps {
  catalog: ModelCatalog;
  caller: MinerCaller;
  selector: ScoredSelector;
  telemetry: Telemetry;
  logger: Logger;
  requestTimeoutMs: number;
  /** The response cache stage; without it every response is a BYPASS. */
  cache?: ResponseCache;
  now?: () => number;
}

/** Hooks for an answer that does not go through the cache: only the client's accounting sees it. */
export function uncachedHooks(ctx: InferenceContext): RelayHooks {
  return ctx.answered === undefined ? {} : { completed: (answer) => ctx.answered!(answer, false) };
}

/**
 * One inference request from validated input to the answer. Stages, in order: resolve the
 * model, cache lookup and coalescing (cache/), dispatch to miners by the fan-out strategy,
 * render. Framework-free: the HTTP layer only renders the result.
 */
export class InferencePipeline {
  readonly #deps: PipelineDeps;
  readonly #now: () => number;

  constructor(deps: PipelineDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  async run(request: InferenceRequest, ctx: InferenceContext): Promise<InferenceResult> {
    const model = this.#resolveModel(request);
    const policy = resolvePolicy(model.config.fanout, ctx.strategyOverride, ctx.kOverride);
    const identity = newResponseIdentity(request.endpoint, model.name, this.#now());
    const dispatch = (hooks: RelayHooks): Promise<InferenceResult> => this.#dispatch(this.#context(model, request, ctx, identity, policy), hooks);
    const cache = this.#deps.cache;
    if (cache === undefined) return dispatch(uncachedHooks(ctx));
    return cache.serve({ model, request, ctx, identity, dispatch });
  }

  /**
   * Asks miners for an answer by the request's fan-out strategy. `hooks.completed` gets the
   * whole validated answer once the client has it all (the cache stores it; token limits count it).
   */
  async #dispatch(ctx: DispatchContext, hooks: RelayHooks): Promise<InferenceResult> {
    const { request, identity, model } = ctx;
    const meta = (strategy: string, miner: MinerEntry, asked: number): ResultMeta => ({
      model: model.name, strategy, miner: { uid: miner.uid, hotkey: miner.hotkey }, asked, cache: 'BYPASS',
    });
    if (ctx.policy.strategy === 'best-of-k' || ctx.policy.strategy === 'consensus') {
      const chosen = await collectedAnswer(ctx);
      chosen.answer.usage ??= estimateUsage(request, chosen.answer);
      hooks.completed?.(chosen.answer);
      // The choice was made on whole answers: a stream is replayed, written at once.
      return wholeAnswerResult(chosen.answer, request, identity, meta(chosen.strategy, chosen.miner, chosen.asked));
    }
    if (request.stream) {
      const { won, events } = await firstStream(ctx, hooks);
      return { kind: 'stream', events, meta: meta(ctx.policy.strategy, won.miner, won.asked) };
    }
    const won = await firstAnswer(ctx);
    won.value.usage ??= estimateUsage(request, won.value);
    hooks.completed?.(won.value);
    return wholeAnswerResult(won.value, request, identity, meta(ctx.policy.strategy, won.miner, won.asked));
  }

  #context(model: ModelEntry, request: InferenceRequest, ctx: InferenceContext, identity: ResponseIdentity, policy: FanoutPolicy): DispatchContext {
    const candidates = model.pool.snapshot()?.eligible ?? [];
    if (candidates.length === 0) {
      throw new GatewayError('no_eligible_miners', `No eligible miner is available for model '${model.name}' right now.`, { retryAfterSeconds: 5 });
    }
    const { selector, telemetry } = this.#deps;
    // No point asking for more miners at once than the model has.
    if (policy.k > candidates.length) policy = { ...policy, k: candidates.length };
    const asked = new Set<string>();
    const streaming = request.stream;
    // One pick context per request: `exclude` is this request's own (growing) set of miners asked.
    const pickContext = { model: model.name, candidates, streaming, exclude: asked };
    return {
      model, request, identity, policy,
      requestId: ctx.requestId,
      cancellation: ctx.cancellation,
      deadline: this.#now() + this.#deps.requestTimeoutMs,
      caller: this.#deps.caller,
      logger: this.#deps.logger,
      // Every fan-out's own exclusions are in `asked` too: a request never asks a miner twice.
      pickNext: () => {
        const miner = selector.pick(pickContext);
        if (miner !== undefined) asked.add(miner.hotkey);
        return miner;
      },
      scoreOf: (miner) => selector.score(miner, pickContext),
      hedgeDelay: (miner) => {
        const { quantile, minDelayMs, maxDelayMs, defaultDelayMs } = policy.hedge;
        const p = telemetry.peek(miner.hotkey)?.ttfbQuantile(quantile, streaming) ?? defaultDelayMs;
        return Math.min(maxDelayMs, Math.max(minDelayMs, p));
      },
      penalise: (miner) => telemetry.penalise(miner.hotkey),
    };
  }

  #resolveModel(request: InferenceRequest): ModelEntry {
    const model = this.#deps.catalog.get(request.model);
    if (model === undefined) {
      throw modelNotFound(request.model);
    }
    const endpoint = request.endpoint === 'chat' ? 'chat' : 'completions';
    if (!model.config.endpoints.includes(endpoint)) {
      const path = endpoint === 'chat' ? '/v1/chat/completions' : '/v1/completions';
      throw new GatewayError('invalid_request', `The model '${model.name}' is not served on ${path}.`, { param: 'model' });
    }
    return model;
  }
}
