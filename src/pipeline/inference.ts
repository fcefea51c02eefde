import { GatewayError } from '../errors/gatewayError.js';
import { firstSuccess } from '../fanout/firstSuccess.js';
import { FanoutFailedError } from '../fanout/fanoutFailed.js';
import type { FanoutSuccess, LaunchPlan } from '../fanout/types.js';
import type { MinerEntry } from '../metagraph/types.js';
import { newResponseIdentity, renderCompletion, type ResponseIdentity } from '../openai/render.js';
import type { Answer, InferenceRequest } from '../openai/types.js';
import { estimateUsage } from '../openai/usage.js';
import type { Logger } from '../logging/logger.js';
import type { RoundRobin } from '../routing/roundRobin.js';
import type { MinerCaller, StreamAttempt } from './minerCaller.js';
import type { ModelCatalog, ModelEntry } from './modelCatalog.js';
import { relayStream, type ChunkBatch, type RelayHooks } from './streamRelay.js';
import type { Cancellation } from '../lifecycle/cancellation.js';
import type { CacheDirectives } from '../cache/policy.js';
import type { ResponseCache } from '../cache/responseCache.js';

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
  | { kind: 'json'; body: Record<string, unknown>; meta: ResultMeta }
  | { kind: 'stream'; events: AsyncIterable<ChunkBatch>; meta: ResultMeta; /** Every chunk, when all are known up front (cache replays): sent in one write. */ whole?: ChunkBatch };

export interface InferenceContext {
  requestId: string;
  /** Cancelled when the client disconnects. */
  cancellation: Cancellation;
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
  selector: RoundRobin;
  logger: Logger;
  requestTimeoutMs: number;
  /** The response cache stage; without it every response is a BYPASS. */
  cache?: ResponseCache;
  now?: () => number;
}

/**
 * One inference request from validated input to the answer: resolve the model, pick
 * miners, fan out, validate, render. Framework-free: the HTTP layer only renders the result.
 */
export class InferencePipeline {
  readonly #deps: PipelineDeps;
  readonly #now: () => number;

  constructor(deps: PipelineDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /**
   * The request's whole path. Stages, in order: resolve the model, (cache lookup and
   * coalescing), dispatch to miners, render. Each stage is one method so that the cache and
   * the routing strategies plug in without touching each other.
   */
  async run(request: InferenceRequest, ctx: InferenceContext): Promise<InferenceResult> {
    const model = this.#resolveModel(request);
    const identity = newResponseIdentity(request.endpoint, model.name, this.#now());
    const cache = this.#deps.cache;
    if (cache === undefined) {
      ctx.cache = 'BYPASS';
      return this.#dispatch(model, request, ctx, identity, ctx.answered === undefined ? {} : { completed: (answer) => ctx.answered!(answer, false) });
    }
    return cache.serve({ model, request, ctx, identity, dispatch: (hooks) => this.#dispatch(model, request, ctx, identity, hooks) });
  }

  /** Asks miners for an answer: pick, fan out, validate, render. */
  async #dispatch(model: ModelEntry, request: InferenceRequest, ctx: InferenceContext, identity: ResponseIdentity, hooks: RelayHooks = {}): Promise<InferenceResult> {
    const candidates = model.pool.snapshot()?.eligible ?? [];
    if (candidates.length === 0) {
      throw new GatewayError('no_eligible_miners', `No eligible miner is available for model '${model.name}' right now.`, { retryAfterSeconds: 5 });
    }
    const deadline = this.#now() + this.#deps.requestTimeoutMs;
    const plan = this.#plan(model);
    const pickNext = (exclude: ReadonlySet<string>): MinerEntry | undefined => this.#deps.selector.pick(model.name, candidates, exclude);
    const strategy = model.config.fanout.strategy;
    const { caller } = this.#deps;

    if (!request.stream) {
      const won = await this.#fanout(ctx, () => firstSuccess({
        plan, pickNext, cancellation: ctx.cancellation, deadline,
        launch: (miner, attempt) => caller.complete(model, request, miner, attempt, deadline),
      }));
      const answer = won.value;
      answer.usage ??= estimateUsage(request, answer);
      hooks.completed?.(answer);
      return { kind: 'json', body: renderCompletion(answer, identity), meta: this.#meta(model, strategy, won) };
    }

    const won = await this.#fanout(ctx, () => firstSuccess<StreamAttempt>({
      plan, pickNext, cancellation: ctx.cancellation, deadline,
      launch: (miner, attempt) => caller.stream(model, request, miner, attempt, deadline),
      discard: (attempt) => attempt.primed.stream.close(),
    }));
    return { kind: 'stream', events: relayStream(won.value, request, identity, hooks), meta: this.#meta(model, strategy, won) };
  }

  #resolveModel(request: InferenceRequest): ModelEntry {
    const model = this.#deps.catalog.get(request.model);
    if (model === undefined) {
      throw new GatewayError('model_not_found', `The model '${request.model}' does not exist or you do not have access to it.`, { param: 'model' });
    }
    const endpoint = request.endpoint === 'chat' ? 'chat' : 'completions';
    if (!model.config.endpoints.includes(endpoint)) {
      const path = endpoint === 'chat' ? '/v1/chat/completions' : '/v1/completions';
      throw new GatewayError('invalid_request', `The model '${model.name}' is not served on ${path}.`, { param: 'model' });
    }
    return model;
  }

  #plan(model: ModelEntry): LaunchPlan {
    const { retries } = model.config.fanout;
    return { initial: 1, maxConcurrent: 1, maxAttempts: 1 + retries };
  }

  #meta(model: ModelEntry, strategy: string, won: FanoutSuccess<unknown>): ResultMeta {
    return { model: model.name, strategy, miner: { uid: won.miner.uid, hotkey: won.miner.hotkey }, asked: won.asked, cache: 'BYPASS' };
  }

  async #fanout<T>(ctx: InferenceContext, run: () => Promise<FanoutSuccess<T>>): Promise<FanoutSuccess<T>> {
    try {
      const won = await run();
      if (won.failures.length > 0) this.#logFailures(ctx, won.failures);
      return won;
    } catch (error) {
      if (!(error instanceof FanoutFailedError)) throw error;
      this.#logFailures(ctx, error.failures);
      throw error.toGatewayError();
    }
  }

  #logFailures(ctx: InferenceContext, failures: FanoutSuccess<unknown>['failures']): void {
    for (const { miner, error } of failures) {
      this.#deps.logger.warn({ reqId: ctx.requestId, uid: miner.uid, hotkey: miner.hotkey, code: error.code, detail: error.detail }, 'miner call failed');
    }
  }
}
