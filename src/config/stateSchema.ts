import { z } from 'zod';
import { Secret } from './secret.js';

/**
 * Config of what replicas share (Redis), the response cache, API keys and rate limits. Every
 * section is optional: without `redis` everything lives in process memory; without `auth`
 * the gateway asks for API keys (open access must be asked for by name).
 */

/** A secret given as a string (from the file or the environment) or already wrapped. */
const secretSchema = z.union([z.instanceof(Secret), z.string().min(1).transform((value) => new Secret(value))]);

const hostPortSchema = z.strictObject({
  host: z.string().min(1),
  port: z.int().min(1).max(65535),
});

export const redisSchema = z.strictObject({
  /** Standalone server: `redis://[user:password@]host:port[/db]` (`rediss://` for TLS). A secret: it may carry the password. */
  url: secretSchema.optional(),
  /** Sentinel: the master's name and where the sentinels are. */
  sentinel: z.strictObject({
    name: z.string().min(1),
    sentinels: z.array(hostPortSchema).min(1),
    /** Password of the sentinels themselves (the data nodes use `password`). */
    sentinelPassword: secretSchema.optional(),
  }).optional(),
  /** Cluster: some of its nodes; the rest are discovered. */
  cluster: z.strictObject({ nodes: z.array(hostPortSchema).min(1) }).optional(),
  username: z.string().min(1).optional(),
  /** Prefer `TAOGATE__redis__password` in the environment over the file. */
  password: secretSchema.optional(),
  tls: z.boolean().default(false),
  db: z.int().min(0).max(15).optional(),
  /** Every key the gateway writes starts with this, so several gateways can share one Redis. */
  keyPrefix: z.string().regex(/^[\w.:-]{0,64}$/).default('taogate:'),
  /**
   * The longest a request waits on one Redis operation. Past it the operation counts as
   * failed, the request goes on with the local fallback, and Redis is marked down.
   */
  budgetMs: z.int().min(1).max(5_000).default(50),
  /** While Redis is down, operations are skipped for this long before one is tried again (doubling up to maxBackoffMs). */
  backoffMs: z.int().min(10).default(500),
  maxBackoffMs: z.int().min(10).default(10_000),
  /** How long start-up waits for the first connection before serving without Redis. */
  connectTimeoutMs: z.int().positive().default(2_000),
}).superRefine((redis, ctx) => {
  const modes = (['url', 'sentinel', 'cluster'] as const).filter((key) => redis[key] !== undefined);
  if (modes.length !== 1) {
    ctx.addIssue({ code: 'custom', message: modes.length === 0 ? 'give one of url, sentinel or cluster' : `give only one of url, sentinel and cluster, not ${modes.join(' and ')}` });
  }
});
export type RedisConfig = z.infer<typeof redisSchema>;

export const cacheSchema = z.strictObject({
  /** Off: every response is `x-taogate-cache: BYPASS` and nothing is stored. */
  enabled: z.boolean().default(true),
  /** How long an answer stays cached, unless its model says otherwise (`models.<name>.cache.ttlSeconds`). */
  ttlSeconds: z.int().positive().default(600),
  /** Answers larger than this (serialised) are not stored. */
  maxEntryBytes: z.int().positive().default(256 * 1024),
  /** Each API key gets a cache of its own instead of sharing answers with every key. */
  namespacePerKey: z.boolean().default(false),
  /** The in-process store: the cache itself without Redis, the fallback while Redis is down. */
  memory: z.strictObject({
    maxEntries: z.int().positive().default(10_000),
    maxBytes: z.int().positive().default(64 * 1024 * 1024),
  }).prefault({}),
  coalesce: z.strictObject({
    /** Identical requests in flight wait for the first one instead of asking miners again. */
    enabled: z.boolean().default(true),
    /** Lifetime of the cross-replica leader lock; the leader renews it while it works, so a dead leader frees it within this. */
    lockTtlMs: z.int().min(100).default(5_000),
    /** How often a follower on another replica looks again (a pub/sub message normally wakes it sooner). */
    pollMs: z.int().min(5).default(250),
    /** A follower waits at most this long (or its own deadline), then asks miners itself. */
    maxWaitMs: z.int().positive().default(60_000),
  }).prefault({}),
}).prefault({});
export type CacheConfig = z.infer<typeof cacheSchema>;

/** Per-model cache settings (`models.<name>.cache`). */
export const modelCacheSchema = z.strictObject({
  /**
   * `deterministic` (default): cache requests with temperature 0 or a seed; `always`: every
   * request of this model; `off`: never, not even with `x-taogate-cache: force`.
   */
  mode: z.enum(['deterministic', 'always', 'off']).default('deterministic'),
  ttlSeconds: z.int().positive().optional(),
});

const limitFields = {
  /** Requests per minute; absent means no limit. */
  requestsPerMinute: z.int().positive().optional(),
  /** Prompt + completion tokens per minute; absent means no limit. */
  tokensPerMinute: z.int().positive().optional(),
};

export const authSchema = z.strictObject({
  /** `keys`: a valid `Authorization: Bearer` key is required. `open`: anyone may call (a known key is still recognised). */
  mode: z.enum(['keys', 'open']).default('keys'),
  /** Keys defined in config, stored as the SHA-256 of the key (`taogate keys hash` prints it). */
  keys: z.array(z.strictObject({
    id: z.string().regex(/^[\w.@-]{1,64}$/, 'key ids use letters, digits and . _ @ -'),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'the hex SHA-256 of the key'),
    ...limitFields,
  })).default([]),
  /** How long a replica trusts a key it looked up in Redis; a revoked key is refused everywhere within this. */
  lookupCacheMs: z.int().min(0).default(10_000),
}).prefault({});
export type AuthConfig = z.infer<typeof authSchema>;

/** Default limits of every key (a key's own values, in config or Redis, replace them). */
export const rateLimitsSchema = z.strictObject({
  ...limitFields,
  /** How often per-key usage counters are added to Redis (one write per replica per interval). */
  usageFlushMs: z.int().min(100).default(1_000),
}).prefault({});
export type RateLimitsConfig = z.infer<typeof rateLimitsSchema>;
