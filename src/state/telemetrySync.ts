import { withRedisTimeout } from './redisClient.js';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../logging/logger.js';
import type { MinerSummary } from '../routing/minerStats.js';
import { mergeSummaries } from '../routing/summaries.js';
import type { Telemetry } from '../routing/telemetry.js';

export interface TelemetrySyncOptions {
  redis: Redis | Cluster;
  /** Unique per process (e.g. hostname:pid:random). */
  replicaId: string;
  logger: Logger;
  /** How often each replica publishes and reads (the "short local cache" of others' views). */
  intervalMs?: number;
  /** A replica silent this long is forgotten, and so are summaries this old. */
  ttlMs?: number;
  /** No sync waits on Redis longer than this. */
  timeoutMs?: number;
  /**
   * The gateway's shared Redis health, when there is one: it owns outage detection and its
   * one warning per episode, so the sync skips while Redis is down and only logs its own
   * failures at debug level. Without it the sync warns once per episode itself.
   */
  redisUp?: () => boolean;
  /** The gateway's `redis.keyPrefix` (default `taogate:`), so gateways sharing a Redis stay apart. */
  keyPrefix?: string;
}

/** Where the sync keeps its keys. All share one hash tag, so they live in one slot of a Redis Cluster. */
function telemetryKeys(keyPrefix: string): { replicas: string; replica: (id: string) => string } {
  const base = `${keyPrefix}{telemetry}:v1`;
  return { replicas: `${base}:replicas`, replica: (id) => `${base}:replica:${id}` };
}

/**
 * Shares per-miner telemetry between replicas through Redis. Each replica owns one hash
 * (hotkey → its summary of that miner) and replaces it whole on every sync, atomically
 * (MULTI), so readers never see half an update; a sorted set lists live replicas. Each
 * replica reads the others' hashes and merges them into `Telemetry` as the remote view.
 * Request paths never touch Redis: they read the merged view, at most one interval old.
 * Without Redis the gateway keeps its own telemetry only.
 */
export class RedisTelemetrySync {
  readonly #options: Required<Omit<TelemetrySyncOptions, 'redis' | 'logger' | 'replicaId' | 'redisUp' | 'keyPrefix'>> & TelemetrySyncOptions;
  readonly #keys: ReturnType<typeof telemetryKeys>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #healthy = true;
  #telemetry: Telemetry | undefined;

  constructor(options: TelemetrySyncOptions) {
    this.#options = { intervalMs: 1_000, ttlMs: 15_000, timeoutMs: 250, ...options };
    this.#keys = telemetryKeys(options.keyPrefix ?? 'taogate:');
  }

  start(telemetry: Telemetry): void {
    this.#telemetry = telemetry;
    this.#timer = setInterval(() => { void this.syncNow(); }, this.#options.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
    await withRedisTimeout(this.#options.redis.multi().del(this.#keys.replica(this.#options.replicaId)).zrem(this.#keys.replicas, this.#options.replicaId).exec(), this.#options.timeoutMs).catch(() => {});
  }

  /** One publish-and-read round (also what the timer runs). */
  syncNow(): Promise<void> {
    this.#running ??= this.#sync().finally(() => { this.#running = undefined; });
    return this.#running;
  }

  async #sync(): Promise<void> {
    const telemetry = this.#telemetry;
    if (telemetry === undefined) return;
    const { redis, replicaId, ttlMs, redisUp } = this.#options;
    const now = telemetry.clock();
    if (redisUp !== undefined && !redisUp()) {
      telemetry.setRemote(new Map());
      return;
    }
    try {
      const mine = telemetry.localSummaries(now - ttlMs, now);
      const fields: string[] = [];
      for (const [hotkey, summary] of mine) fields.push(hotkey, JSON.stringify(summary));
      const write = redis.multi().del(this.#keys.replica(replicaId));
      if (fields.length > 0) write.hset(this.#keys.replica(replicaId), ...fields).pexpire(this.#keys.replica(replicaId), ttlMs);
      write.zadd(this.#keys.replicas, now, replicaId).zremrangebyscore(this.#keys.replicas, '-inf', now - ttlMs).zrangebyscore(this.#keys.replicas, now - ttlMs, '+inf');
      const results = await withRedisTimeout(write.exec(), this.#options.timeoutMs);
      const replicas = (results?.[results.length - 1]?.[1] as string[] | undefined) ?? [];
      const others = replicas.filter((id) => id !== replicaId);
      const remote = new Map<string, MinerSummary>();
      if (others.length > 0) {
        const read = redis.pipeline();
        for (const id of others) read.hgetall(this.#keys.replica(id));
        const hashes = (await withRedisTimeout(read.exec(), this.#options.timeoutMs)) ?? [];
        for (const [error, hash] of hashes) {
          if (error !== null || hash === null) continue;
          for (const [hotkey, text] of Object.entries(hash as Record<string, string>)) {
            const summary = parseSummary(text);
            if (summary === undefined || now - summary.at > ttlMs) continue;
            const known = remote.get(hotkey);
            remote.set(hotkey, known === undefined ? summary : mergeSummaries(known, summary));
          }
        }
      }
      telemetry.setRemote(remote);
      if (!this.#healthy && redisUp === undefined) this.#options.logger.info('telemetry sync with Redis recovered');
      this.#healthy = true;
    } catch (error) {
      // Routing carries on with this replica's own telemetry. One warning per episode, unless
      // the shared Redis health reports outages (then this would be a second warning).
      if (redisUp !== undefined) this.#options.logger.debug({ err: String(error) }, 'telemetry sync with Redis failed');
      else if (this.#healthy) this.#options.logger.warn({ err: String(error) }, 'telemetry sync with Redis failed; using local telemetry only');
      this.#healthy = false;
      telemetry.setRemote(new Map());
    }
  }

}

/** A summary another replica wrote; anything malformed is ignored (Redis is shared state, not trusted code). */
function parseSummary(text: string): MinerSummary | undefined {
  try {
    const value = JSON.parse(text) as MinerSummary;
    if (typeof value !== 'object' || value === null || typeof value.at !== 'number' || typeof value.inFlight !== 'number' || typeof value.counts !== 'object') return undefined;
    return value;
  } catch {
    return undefined;
  }
}
