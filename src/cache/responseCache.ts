import { randomBytes } from 'node:crypto';
import type { CacheConfig } from '../config/stateSchema.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ResponseIdentity } from '../openai/render.js';
import type { Answer, InferenceRequest } from '../openai/types.js';
import { uncachedHooks, type InferenceContext, type InferenceResult, type ResultMeta } from '../pipeline/inference.js';
import type { ModelEntry } from '../pipeline/modelCatalog.js';
import type { RelayHooks } from '../pipeline/streamRelay.js';
import type { AnswerStore, Lookup } from './answerStore.js';
import { MISS } from './answerStore.js';
import { encodeEntry, type CachedEntry } from './entry.js';
import { Flight, unlessCancelled, watchEnd } from './flight.js';
import { cacheKey } from './key.js';
import { NO_DIRECTIVES, planCaching, type CachePlan } from './policy.js';
import { wholeAnswerResult } from './replay.js';

/** One request as the cache stage sees it; `dispatch` asks miners (the pipeline's next stage). */
export interface CacheStageInput {
  model: ModelEntry;
  request: InferenceRequest;
  ctx: InferenceContext;
  identity: ResponseIdentity;
  dispatch(hooks: RelayHooks): Promise<InferenceResult>;
}

export interface ResponseCacheOptions {
  store: AnswerStore;
  config: CacheConfig;
  metrics: Metrics;
  logger: Logger;
  /** The store is shared by replicas: take the cross-replica lock and wait for other leaders. */
  shared: boolean;
  /** Longest life of one request (the server's timeout): a leader never renews its lock past it. */
  maxFlightMs: number;
  now?: () => number;
}

/**
 * The cache stage of the pipeline: exact-match answers, and coalescing of identical requests
 * in flight.
 *
 * Within a replica, the first request for a key opens a Flight; identical requests arriving
 * while it runs wait for its answer instead of asking miners (the leader's client may stream
 * while they wait; they get the completed answer, replayed). Across replicas, a leader that
 * will store its answer takes a Redis lock (SET NX PX, renewed while it works) in the same
 * round trip as its lookup; a replica that finds the lock held waits for the leader's
 * "done" message (or polls) and reads the entry. The ways out: a leader that fails releases
 * its lock and says so, and its followers go to miners on their own at once (not in a new
 * queue, so one failure never becomes many slow ones); a leader that dies stops renewing,
 * and its lock expires within `lockTtlMs`; nobody waits past `maxWaitMs`.
 */
export class ResponseCache {
  readonly #store: AnswerStore;
  readonly #config: CacheConfig;
  readonly #metrics: Metrics;
  readonly #shared: boolean;
  readonly #coalesce: boolean;
  readonly #maxFlightMs: number;
  readonly #now: () => number;
  readonly #flights = new Map<string, Flight>();
  readonly #replica = randomBytes(6).toString('hex');
  #seq = 0;

  constructor(options: ResponseCacheOptions) {
    this.#store = options.store;
    this.#config = options.config;
    this.#metrics = options.metrics;
    this.#shared = options.shared;
    this.#coalesce = options.config.coalesce.enabled;
    this.#maxFlightMs = options.maxFlightMs;
    this.#now = options.now ?? Date.now;
  }

  /** Serves one request from the cache, from an identical request in flight, or from miners. */
  serve(input: CacheStageInput): Promise<InferenceResult> {
    const { model, request, ctx } = input;
    const plan = planCaching(request, model.config.cache.mode, ctx.cacheDirectives ?? NO_DIRECTIVES);
    const key = plan === undefined ? undefined : cacheKey(request, this.#config.namespacePerKey ? ctx.keyId ?? '' : '');
    if (plan === undefined || key === undefined) return this.#bypass(input);
    // no-cache: a fresh answer, stored for the others, but not coalesced with anyone.
    if (!plan.read) return this.#ask(input, key, plan, undefined, undefined, 'BYPASS');
    const stored = this.#store.peek?.(key);
    // A hit from memory is ready at once; the HTTP layer writes it with the turn's other answers.
    if (stored !== undefined) return Promise.resolve(this.#fromEntry(input, stored));
    const flight = this.#coalesce ? this.#flights.get(key) : undefined;
    return flight === undefined ? this.#lead(input, key, plan) : this.#follow(input, key, plan, flight);
  }

  #bypass(input: CacheStageInput): Promise<InferenceResult> {
    const { ctx } = input;
    this.#count(input, 'BYPASS');
    return input.dispatch(uncachedHooks(ctx));
  }

  async #lead(input: CacheStageInput, key: string, plan: CachePlan): Promise<InferenceResult> {
    const flight = this.#coalesce ? new Flight() : undefined;
    if (flight !== undefined) this.#flights.set(key, flight);
    try {
      // Only a request that will store its answer may make other replicas wait for it.
      const owner = plan.write && this.#coalesce && this.#shared ? `${this.#replica}:${++this.#seq}` : undefined;
      let lookup = await this.#store.lookup(key, owner);
      if (lookup.kind === 'busy') lookup = await this.#waitForRemote(input, key, owner!);
      if (lookup.kind === 'hit') {
        flight?.resolve(lookup.entry);
        this.#close(key, flight);
        return this.#fromEntry(input, lookup.entry);
      }
      return await this.#ask(input, key, plan, flight, lookup.kind === 'leader' ? owner : undefined, 'MISS');
    } catch (error) {
      flight?.reject(error);
      this.#close(key, flight);
      throw error;
    }
  }

  async #follow(input: CacheStageInput, key: string, plan: CachePlan, flight: Flight): Promise<InferenceResult> {
    let entry: CachedEntry;
    try {
      entry = await unlessCancelled(flight.promise, input.ctx.cancellation);
    } catch {
      // This client left: nobody to answer, and no miss to count.
      if (input.ctx.cancellation.cancelled) throw input.ctx.cancellation.reason;
      // The leader failed: try for ourselves, right away.
      this.#metrics.coalesced.inc({ scope: 'local', outcome: 'released' });
      return this.#ask(input, key, plan, undefined, undefined, 'MISS');
    }
    this.#metrics.coalesced.inc({ scope: 'local', outcome: 'answer' });
    return this.#fromEntry(input, entry);
  }

  /** Another replica leads this key: wait for its answer, for its lock to go, or for our patience to end. */
  async #waitForRemote(input: CacheStageInput, key: string, owner: string): Promise<Lookup> {
    const { coalesce } = this.#config;
    const giveUpAt = this.#now() + coalesce.maxWaitMs;
    for (;;) {
      const remaining = giveUpAt - this.#now();
      if (remaining <= 0 || input.ctx.cancellation.cancelled) break;
      const signal = await this.#store.wait(key, Math.min(coalesce.pollMs, remaining));
      if (signal === 'failed') break;
      const next = await this.#store.lookup(key, owner);
      if (next.kind !== 'busy') {
        this.#metrics.coalesced.inc({ scope: 'remote', outcome: next.kind === 'hit' ? 'answer' : 'released' });
        return next;
      }
    }
    this.#metrics.coalesced.inc({ scope: 'remote', outcome: 'released' });
    return MISS;
  }

  /**
   * Asks miners, then settles the flight and stores the answer. The answer is complete and
   * validated when `completed` fires: at once for whole answers, at the end for streams.
   */
  async #ask(input: CacheStageInput, key: string, plan: CachePlan, flight: Flight | undefined, owner: string | undefined, status: ResultMeta['cache']): Promise<InferenceResult> {
    const { ctx, model } = input;
    ctx.cache = status;
    this.#count(input, status);
    const ttlMs = (model.config.cache.ttlSeconds ?? this.#config.ttlSeconds) * 1000;
    const renewal = owner === undefined ? undefined : this.#renewWhileWorking(key, owner);
    let answer: Answer | undefined;
    let meta: ResultMeta | undefined;
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      if (renewal !== undefined) clearInterval(renewal);
      if (answer === undefined || meta === undefined) {
        flight?.reject(new Error('the leading request failed'));
        this.#close(key, flight);
        if (owner !== undefined) void this.#store.finish(key, undefined, ttlMs, owner);
        return;
      }
      const encoded = encodeEntry({ v: 1, answer, provenance: { model: model.name, miners: meta.miner === undefined ? [] : [{ uid: meta.miner.uid, hotkey: meta.miner.hotkey }], storedAt: this.#now() } });
      flight?.resolve(encoded.entry);
      const fits = encoded.bytes <= this.#config.maxEntryBytes;
      if (plan.write) this.#metrics.cacheStores.inc({ outcome: fits ? 'stored' : 'too_large' });
      if ((plan.write && fits) || owner !== undefined) {
        // The flight stays open until the store has the entry: a request arriving meanwhile
        // joins it instead of finding neither entry nor flight.
        void this.#store.finish(key, plan.write && fits ? encoded : undefined, ttlMs, owner).then(() => this.#close(key, flight));
      } else {
        this.#close(key, flight);
      }
    };
    const hooks: RelayHooks = {
      completed: (whole) => {
        answer = whole;
        ctx.answered?.(whole, false);
        if (meta !== undefined) end();
      },
    };
    let result: InferenceResult;
    try {
      result = await input.dispatch(hooks);
    } catch (error) {
      end();
      throw error;
    }
    result.meta.cache = status;
    meta = result.meta;
    if (result.kind !== 'stream' || answer !== undefined) {
      end();
      return result;
    }
    return { kind: 'stream', events: watchEnd(result.events, end), meta };
  }

  #renewWhileWorking(key: string, owner: string): NodeJS.Timeout {
    const ttl = this.#config.coalesce.lockTtlMs;
    const stopAt = this.#now() + this.#maxFlightMs;
    const timer: NodeJS.Timeout = setInterval(() => {
      if (this.#now() > stopAt) clearInterval(timer);
      else void this.#store.renew(key, owner, ttl);
    }, Math.max(ttl / 3, 10));
    timer.unref();
    return timer;
  }

  #fromEntry(input: CacheStageInput, entry: CachedEntry): InferenceResult {
    const { ctx, request, identity, model } = input;
    ctx.cache = 'HIT';
    this.#count(input, 'HIT');
    const { answer, provenance } = entry;
    ctx.answered?.(answer, true);
    const miner = provenance.miners[0];
    const meta: ResultMeta = {
      model: model.name, strategy: 'cache', asked: 0, cache: 'HIT',
      cacheAgeSeconds: Math.max(0, Math.floor((this.#now() - provenance.storedAt) / 1000)),
    };
    if (miner !== undefined) meta.miner = miner;
    return wholeAnswerResult(answer, request, identity, meta, true);
  }

  #close(key: string, flight: Flight | undefined): void {
    if (flight !== undefined && this.#flights.get(key) === flight) this.#flights.delete(key);
  }

  #count(input: CacheStageInput, result: ResultMeta['cache']): void {
    this.#metrics.cacheRequests.cell(input.model.name, result).inc();
  }
}
