import { AccessGate } from '../access/gate.js';
import { Authenticator } from '../access/authenticator.js';
import { MemoryRateLimiter } from '../access/memoryRateLimiter.js';
import type { RateLimitStore } from '../access/rateLimiter.js';
import { UsageRecorder } from '../access/usage.js';
import { MemoryAnswerStore, type AnswerStore } from '../cache/answerStore.js';
import { ResponseCache } from '../cache/responseCache.js';
import type { Config } from '../config/schema.js';
import type { ReadinessCheck } from '../lifecycle/readiness.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { RedisAnswerStore } from '../state/redisAnswerStore.js';
import { RedisConnection } from '../state/redisClient.js';
import { RedisKeyRegistry, redisKeyLookup } from '../state/redisKeyRegistry.js';
import { RedisRateLimiter } from '../state/redisRateLimiter.js';

type Service = { name: string; start(): Promise<void>; stop(): Promise<void> };

/** The shared-state side of a gateway: Redis (when configured), the response cache, API keys and limits. */
export interface StateParts {
  /** The Redis connection, for other components that keep state there (e.g. metagraph snapshots). */
  redis: RedisConnection | undefined;
  cache: ResponseCache | undefined;
  access: AccessGate;
  checks: ReadinessCheck[];
  /** Start before everything else (Redis first), stop after everything else. */
  services: Service[];
}

/**
 * Assembles Redis-backed parts when `redis` is configured and their in-memory versions
 * otherwise; either way the memory versions exist, as the fallbacks of the Redis ones.
 */
export function buildState(config: Readonly<Config>, deps: { logger: Logger; metrics: Metrics; now: () => number }): StateParts {
  const { logger, metrics, now } = deps;
  const redis = config.redis === undefined ? undefined : new RedisConnection(config.redis, logger, {
    up: (value) => metrics.redisUp.set(value ? 1 : 0),
    failed: (op) => metrics.redisFailures.inc({ op }),
    skipped: (op) => metrics.redisSkipped.inc({ op }),
  });

  const memoryAnswers = new MemoryAnswerStore({ ...config.cache.memory, now });
  const answers: AnswerStore = redis === undefined ? memoryAnswers : new RedisAnswerStore(redis, memoryAnswers, config.cache.coalesce.lockTtlMs);
  const cache = !config.cache.enabled ? undefined : new ResponseCache({
    store: answers, config: config.cache, metrics, logger, shared: redis !== undefined, maxFlightMs: config.server.requestTimeoutMs, now,
  });

  const memoryLimits = new MemoryRateLimiter(now);
  const limiter: RateLimitStore = redis === undefined ? memoryLimits : new RedisRateLimiter(redis, memoryLimits);
  const registry = redis === undefined ? undefined : new RedisKeyRegistry(redis.client, redis.prefix);
  const authenticator = new Authenticator({
    auth: config.auth, defaults: config.rateLimits, now,
    ...(redis === undefined ? {} : { lookup: redisKeyLookup(redis, registry!) }),
  });
  if (authenticator.locked) {
    logger.warn('auth.mode is keys but no key can exist (none in auth.keys, no Redis): every inference request will get 401. Set auth.mode: open for anonymous access.');
  }
  const usage = new UsageRecorder(metrics, registry === undefined ? undefined : (id, counts) => redis!.health.run('usage.flush', async () => {
    await registry.addUsage(id, counts);
    return true;
  }, () => false), config.rateLimits.usageFlushMs);
  const access = new AccessGate({ authenticator, limiter, usage, metrics });

  const services: Service[] = [];
  const checks: ReadinessCheck[] = [];
  if (redis !== undefined) {
    services.push({ name: 'redis', start: () => redis.start(), stop: () => redis.stop() });
    // Redis down does not make the gateway unready: it serves on its local fallbacks, and
    // taking every replica out of the balancer because Redis blinked would be an outage.
    checks.push({ name: 'redis', check: () => ({ ok: true, detail: { up: redis.health.up, ...(redis.health.up ? {} : { serving: 'local fallbacks' }) } }) });
  }
  services.push({ name: 'usage counters', start: async () => usage.start(), stop: () => usage.stop() });
  return { redis, cache, access, checks, services };
}
