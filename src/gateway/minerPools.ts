import type { ChainSourceConfig } from '../config/chainSchema.js';
import type { Config } from '../config/schema.js';
import type { ReadinessCheck } from '../lifecycle/readiness.js';
import type { Logger } from '../logging/logger.js';
import { ChainMinerPool } from '../metagraph/chainPool.js';
import type { EligibilityPolicy } from '../metagraph/eligibility.js';
import type { MinerPool } from '../metagraph/minerPool.js';
import { createFileSnapshotStore, type SnapshotStore } from '../metagraph/snapshotStore.js';
import { StaticMinerPool } from '../metagraph/staticSource.js';
import { createSubnetFeeds, type SubnetFeed } from '../metagraph/subnetFeeds.js';
import type { MetagraphReading } from '../metrics/metrics.js';
import type { AddressGuard } from '../net/addressGuard.js';
import { createRedisSnapshotStore, type RedisSnapshotStoreOptions } from '../state/redisSnapshotStore.js';

/** A Redis client for snapshot persistence (the gateway's shared ioredis client). */
export type SnapshotRedis = RedisSnapshotStoreOptions['redis'];

export interface MinerPoolsOptions {
  config: Readonly<Config>;
  guard: AddressGuard;
  logger: Logger;
  now: () => number;
  /** When given, chain snapshots go to Redis (shared by replicas); otherwise to files in `chain.snapshotDir`. */
  redis?: SnapshotRedis;
  /** Overrides both (tests). */
  snapshotStore?: SnapshotStore;
  onRefreshFailure?: (netuid: number) => void;
}

export interface MinerPools {
  byModel: ReadonlyMap<string, MinerPool>;
  /** One `metagraph:<netuid>` check per subnet read from the chain: a snapshot, not stale. */
  checks: ReadinessCheck[];
  /** The metagraph gauges' values, read at scrape time. */
  readings(): MetagraphReading[];
}

/** A model's chain source config as the eligibility policy `buildMinerSnapshot` applies. */
export function eligibilityPolicyOf(source: ChainSourceConfig): Partial<EligibilityPolicy> {
  return {
    excludeValidators: source.excludeValidators,
    validatorStakeThresholdRao: source.validatorStakeThresholdRao,
    dedupe: source.dedupe,
    allowHotkeys: source.allowHotkeys,
    denyHotkeys: source.denyHotkeys,
    scoreSource: typeof source.scoreSource === 'string' ? source.scoreSource : { weightsOf: source.scoreSource.weightsOf },
  };
}

function metagraphCheck(feed: SubnetFeed): ReadinessCheck {
  return {
    name: `metagraph:${feed.netuid}`,
    check: () => {
      const s = feed.source.status();
      const detail = {
        network: s.network, block: s.block, ageSeconds: s.ageSeconds, origin: s.origin,
        connected: s.connected, consecutiveFailures: s.consecutiveFailures, lastError: s.lastError,
      };
      if (s.origin === null) return { ok: false, reason: `not read yet: ${s.lastError ?? 'first read pending'}`, detail };
      if (s.stale) return { ok: false, reason: `stale: read ${s.ageSeconds} s ago (limit ${feed.staleAfterMs / 1000} s)`, detail };
      return { ok: true, detail };
    },
  };
}

/**
 * Every model's miner pool: static lists as they are, chain sources on one shared read per
 * subnet. The address guard applies to both (static pools mark blocked IP literals ineligible;
 * chain eligibility excludes blocked axons), on top of the guarded connector in the transport.
 */
export function buildMinerPools(options: MinerPoolsOptions): MinerPools {
  const { config, guard, now } = options;
  const chainModels = Object.entries(config.models).filter(([, m]) => m.source.type === 'chain');
  const logger = options.logger.child({ component: 'metagraph' });
  const store = chainModels.length === 0
    ? undefined
    : options.snapshotStore
      ?? (options.redis !== undefined
        ? createRedisSnapshotStore({ redis: options.redis, logger, ...(config.redis === undefined ? {} : { keyPrefix: config.redis.keyPrefix }) })
        : createFileSnapshotStore({ dir: config.chain.snapshotDir, logger }));
  const feeds = createSubnetFeeds({
    endpoint: config.chain.endpoint,
    guard,
    logger,
    now,
    refreshIntervalMs: config.chain.refreshIntervalMs,
    staleAfterMs: config.chain.staleAfterMs,
    connectTimeoutMs: config.chain.connectTimeoutMs,
    requestTimeoutMs: config.chain.requestTimeoutMs,
    retryInitialMs: config.chain.retryInitialMs,
    retryMaxMs: config.chain.retryMaxMs,
    ...(store === undefined ? {} : { store }),
    ...(options.onRefreshFailure === undefined ? {} : { onRefreshFailure: options.onRefreshFailure }),
  });

  // The validator whose weights a subnet's read carries (config validation allows one per netuid).
  const weightsOf = new Map<number, string>();
  for (const [, model] of chainModels) {
    const source = model.source as ChainSourceConfig;
    if (typeof source.scoreSource === 'object' && !weightsOf.has(model.netuid)) weightsOf.set(model.netuid, source.scoreSource.weightsOf);
  }

  const byModel = new Map<string, MinerPool>();
  for (const [name, model] of Object.entries(config.models)) {
    const source = model.source;
    if (source.type === 'static') {
      byModel.set(name, new StaticMinerPool(model.netuid, source.miners ?? [], now(), guard));
      continue;
    }
    const policy = eligibilityPolicyOf(source);
    const feed = feeds.feed(model.netuid, policy, weightsOf.get(model.netuid));
    byModel.set(name, new ChainMinerPool({ feed, policy, guard }));
  }

  return {
    byModel,
    checks: feeds.list().map(metagraphCheck),
    readings: () => feeds.list().map((feed) => {
      const s = feed.source.status();
      return { netuid: feed.netuid, block: s.block, ageSeconds: s.ageSeconds, miners: feed.source.minerCounts() };
    }),
  };
}
