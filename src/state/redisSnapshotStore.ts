import { withRedisTimeout } from './redisClient.js';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../metagraph/logger.js';
import { parseSnapshot, serializeSnapshot, SNAPSHOT_VERSION } from '../metagraph/snapshotCodec.js';
import type { SnapshotStore } from '../metagraph/snapshotStore.js';

export interface RedisSnapshotStoreOptions {
  /** A connected (or connecting) ioredis client; the store never closes it. */
  redis: Redis | Cluster;
  logger: Logger;
  /**
   * Give up on one Redis command after this long (default 2 s). ioredis queues commands while
   * it reconnects; start-up must not wait on a dead Redis when the chain could answer instead.
   */
  timeoutMs?: number;
  /** The gateway's `redis.keyPrefix` (default `taogate:`). */
  keyPrefix?: string;
}

/** The Redis key of a subnet's snapshot, under the gateway's `redis.keyPrefix`. */
export function snapshotRedisKey(network: string, netuid: number, keyPrefix = 'taogate:'): string {
  return `${keyPrefix}metagraph:v${SNAPSHOT_VERSION}:${network}:${netuid}`;
}

/** Snapshots in Redis under `<keyPrefix>metagraph:v1:<network>:<netuid>`, shared by every gateway replica. */
export function createRedisSnapshotStore(options: RedisSnapshotStoreOptions): SnapshotStore {
  const { redis, logger, timeoutMs = 2000, keyPrefix } = options;
  return {
    async load(network, netuid) {
      const key = snapshotRedisKey(network, netuid, keyPrefix);
      let text: string | null;
      try {
        text = await withRedisTimeout(redis.get(key), timeoutMs, `GET ${key}`);
      } catch (error) {
        logger.warn({ err: error, key }, 'cannot read stored metagraph snapshot from Redis');
        return null;
      }
      if (text === null) return null;
      try {
        return parseSnapshot(text, { network, netuid });
      } catch (error) {
        logger.warn({ err: error, key, network, netuid }, `ignoring stored metagraph snapshot: ${(error as Error).message}`);
        return null;
      }
    },
    async save(network, snapshot) {
      const key = snapshotRedisKey(network, snapshot.netuid, keyPrefix);
      try {
        await withRedisTimeout(redis.set(key, serializeSnapshot(network, snapshot)), timeoutMs, `SET ${key}`);
      } catch (error) {
        logger.warn({ err: error, key }, 'cannot save metagraph snapshot to Redis');
      }
    },
  };
}
