import { parseConfig } from '../../src/config/load.js';
import { createRedisClient, type RedisClient } from '../../src/state/redisClient.js';

/** A plain client on a test redis-server, to look at what the gateway stored (tests only). */
export async function inspectRedis(url: string): Promise<RedisClient> {
  const config = parseConfig({ models: { m: { netuid: 1, source: { type: 'static', miners: [] } } }, redis: { url } });
  const client = createRedisClient(config.redis!, 'cli');
  // Tests kill Redis on purpose; its reconnect errors are expected.
  client.on('error', () => {});
  await client.connect();
  return client;
}
