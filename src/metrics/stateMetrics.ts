import { Counter, Gauge, type Registry } from 'prom-client';
import { CounterFamily } from './cells.js';

/**
 * Metrics of the shared state (Redis), the response cache, API keys and rate limits. Labels
 * stay bounded: models and operations are fixed sets; `key` is the id of an API key (never
 * the key), so its cardinality is the number of keys issued.
 */
export function createStateMetrics(registers: Registry[]) {
  return {
    redisUp: new Gauge({ name: 'taogate_redis_up', help: '1 while Redis answers, 0 while the gateway serves from its local fallbacks (absent without Redis).', registers }),
    redisFailures: new Counter({
      name: 'taogate_redis_failures_total', help: 'Redis operations that failed or ran over the budget, by operation.',
      labelNames: ['op'] as const, registers,
    }),
    redisSkipped: new Counter({
      name: 'taogate_redis_skipped_total', help: 'Redis operations not attempted because Redis was down (served by the local fallback), by operation.',
      labelNames: ['op'] as const, registers,
    }),
    cacheRequests: new CounterFamily({
      name: 'taogate_cache_requests_total', help: 'Inference requests by cache outcome (HIT, MISS, BYPASS) and model.',
      labelNames: ['model', 'result'], registers,
    }),
    cacheStores: new Counter({
      name: 'taogate_cache_stores_total', help: 'Answers offered to the cache, by outcome (stored, too_large, failed).',
      labelNames: ['outcome'] as const, registers,
    }),
    coalesced: new Counter({
      name: 'taogate_cache_coalesced_total', help: 'Requests that waited for an identical request in flight, by where the leader ran (local, remote) and how it ended (answer, released).',
      labelNames: ['scope', 'outcome'] as const, registers,
    }),
    rateLimited: new Counter({
      name: 'taogate_rate_limited_total', help: 'Requests refused by a rate limit, by key id and limit (requests, tokens).',
      labelNames: ['key', 'limit'] as const, registers,
    }),
    // Per request: cell families (see cells.ts).
    keyRequests: new CounterFamily({
      name: 'taogate_key_requests_total', help: 'Requests admitted, by API key id (anonymous for open access).',
      labelNames: ['key'], registers,
    }),
    keyTokens: new CounterFamily({
      name: 'taogate_key_tokens_total', help: 'Tokens served, by API key id and kind (prompt, completion).',
      labelNames: ['key', 'kind'], registers,
    }),
    authFailures: new Counter({
      name: 'taogate_auth_failures_total', help: 'Requests refused for a missing or invalid API key, by code.',
      labelNames: ['code'] as const, registers,
    }),
  };
}
