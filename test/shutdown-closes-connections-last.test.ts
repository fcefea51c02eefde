import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChainReplay, type ChainReplay } from './support/chainReplay.js';
import { startRedisServer, type RedisServerHandle } from './support/redisServer.js';
import { neuronsServingAt, tempDir, until } from './support/chainSubnet.js';
import { startTestGateway, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';
import { connectFixtureApi } from './support/neuronFixtures.js';
import { startScriptedMiner, type ScriptedMiner } from './support/scriptedMiner.js';

/**
 * The order of a graceful stop: readiness off at once, requests and streams drained, and only
 * then the long-lived connections (Redis, the chain's WebSocket) closed, so nothing under way
 * loses a dependency halfway.
 */

let replay: ChainReplay;
let redisServer: RedisServerHandle;
let observer: Redis;
let miner: ScriptedMiner;
let gw: TestGateway | undefined;
const snapshots = tempDir('taogate-stop-order-');

beforeAll(async () => {
  replay = await startChainReplay();
  redisServer = await startRedisServer();
  observer = new Redis(redisServer.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  const api = await connectFixtureApi(replay);
  miner = await startScriptedMiner(31, { kind: 'ok', tokenDelayMs: 60, answerWords: 20 });
  replay.setNeuronsLite(neuronsServingAt(api, [{ uid: miner.uid, host: '127.0.0.1', port: miner.port }]));
  await api.disconnect();
  gw = await startTestGateway({
    chain: { endpoint: replay.url, snapshotDir: snapshots.dir, connectTimeoutMs: 5_000, requestTimeoutMs: 5_000 },
    redis: { url: redisServer.url },
    models: { [TEST_MODEL]: { netuid: 1, source: { type: 'chain' } } },
  });
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  observer?.disconnect();
  await redisServer?.stop();
  await replay?.close();
  await miner?.close();
  snapshots.remove();
});

/** Clients of the redis-server other than this test's own observer connection. */
async function gatewayRedisClients(): Promise<number> {
  const own = await observer.client('ID') as number;
  const list = await observer.client('LIST') as string;
  return list.trim().split('\n').filter((line) => !line.startsWith(`id=${own} `)).length;
}

describe('a graceful stop', () => {
  it('keeps Redis and the chain connected while a stream drains, and closes them once the stream is done', async () => {
    await until(async () => (await fetch(`${gw!.url}/readyz`)).ok, 20_000, 'gateway ready');
    expect(replay.openConnections()).toBeGreaterThan(0);
    expect(await gatewayRedisClients()).toBeGreaterThan(0);
    const stream = await gw!.client.chat.completions.create({ model: TEST_MODEL, stream: true, messages: [{ role: 'user', content: 'finish me' }] });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next(); // under way

    const stopped = gw!.running.stop(10_000);
    expect((await gw!.parts.app.request('/readyz')).status).toBe(503);
    // Draining: the stream goes on, and the chain connection is still there.
    let chunks = 1;
    let chainOpenWhileDraining = true;
    let redisOpenWhileDraining = true;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) break;
      chunks++;
      chainOpenWhileDraining &&= replay.openConnections() > 0;
      if (chunks % 5 === 0) redisOpenWhileDraining &&= (await gatewayRedisClients()) > 0;
    }
    expect(chunks).toBeGreaterThan(10);
    expect(chainOpenWhileDraining).toBe(true);
    expect(redisOpenWhileDraining).toBe(true);
    await stopped;
    await until(() => replay.openConnections() === 0, 2_000, 'chain connection closed');
    await until(async () => (await gatewayRedisClients()) === 0, 2_000, 'redis connections closed');
    gw = undefined;
  }, 60_000);
});
