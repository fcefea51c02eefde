import { readdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotRedisKey } from '../src/state/redisSnapshotStore.js';
import { startChainReplay, type ChainReplay } from './support/chainReplay.js';
import { neuronsServingAt, tempDir, until } from './support/chainSubnet.js';
import { startTestGateway, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';
import { connectFixtureApi } from './support/neuronFixtures.js';
import { startRedisServer, type RedisServerHandle } from './support/redisServer.js';
import { startScriptedMiner, type ScriptedMiner } from './support/scriptedMiner.js';

/**
 * A restarted gateway (or a new replica) must not wait for the chain: it serves at once from
 * the last good snapshot, kept in Redis when the gateway has a Redis client and in a file
 * otherwise, and says in /readyz that the chain is not reachable.
 */

let replay: ChainReplay;
let miner: ScriptedMiner;
let redisServer: RedisServerHandle;
let redis: Redis;
const dirs = [tempDir('taogate-stored-a-'), tempDir('taogate-stored-b-'), tempDir('taogate-stored-c-')];

beforeAll(async () => {
  replay = await startChainReplay();
  const api = await connectFixtureApi(replay);
  miner = await startScriptedMiner(31);
  replay.setNeuronsLite(neuronsServingAt(api, [{ uid: miner.uid, host: '127.0.0.1', port: miner.port }]));
  await api.disconnect();
  redisServer = await startRedisServer();
  // The gateway's own client factory lives elsewhere; any ioredis client will do here.
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
});
afterAll(async () => {
  redis?.disconnect();
  await redisServer?.stop();
  await replay?.close();
  await miner?.close();
  for (const d of dirs) d.remove();
});

const config = (snapshotDir: string) => ({
  chain: { endpoint: replay.url, snapshotDir, retryInitialMs: 60_000 },
  models: { [TEST_MODEL]: { netuid: 1, source: { type: 'chain' } } },
});

async function servesWithChainDown(gw: TestGateway): Promise<void> {
  const ready = await fetch(`${gw.url}/readyz`);
  const report = await ready.json() as { checks: Record<string, { ok: boolean; detail?: Record<string, unknown> }> };
  expect(ready.status).toBe(200);
  expect(report.checks['metagraph:1']).toMatchObject({ ok: true, detail: { origin: 'store', block: 6_852_690, connected: false } });
  const listed = await (await fetch(`${gw.url}/v1/miners?model=${TEST_MODEL}`)).json() as Record<string, unknown>;
  expect(listed).toMatchObject({ block: 6_852_690, source: { kind: 'chain', origin: 'store' }, stale: false, counts: { eligible: 1 } });
  const before = miner.requests.length;
  const reply = await gw.client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: 'from the stored snapshot' }] });
  expect(reply.choices[0]?.message.content).toBeTruthy();
  expect(miner.requests.length).toBe(before + 1);
  expect(gw.logs.find((l) => l.msg === 'serving stored metagraph snapshot')).toMatchObject({ netuid: 1, block: 6_852_690 });
}

describe('start-up from a stored metagraph snapshot with the chain down', () => {
  it('reads the snapshot from Redis when the gateway has a Redis client, and writes no file', async () => {
    const dir = dirs[0]!.dir;
    const first = await startTestGateway(config(dir), { redis });
    const network = `127.0.0.1:${replay.port}`;
    await until(async () => (await redis.get(snapshotRedisKey(network, 1))) !== null, 5_000, 'snapshot saved to Redis');
    await first.stop();
    await replay.stop();
    try {
      const t0 = Date.now();
      const second = await startTestGateway(config(dir), { redis });
      try {
        expect(Date.now() - t0).toBeLessThan(2_000);
        await servesWithChainDown(second);
      } finally {
        await second.stop();
      }
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      await replay.start();
    }
  });

  it('reads the snapshot from a file without Redis', async () => {
    const dir = dirs[1]!.dir;
    const first = await startTestGateway(config(dir));
    await until(() => readdirSync(dir).length > 0, 5_000, 'snapshot file written');
    expect(readdirSync(dir)).toEqual([`metagraph-v1-127.0.0.1_${replay.port}-1.json`]);
    await first.stop();
    await replay.stop();
    try {
      const second = await startTestGateway(config(dir));
      try {
        await servesWithChainDown(second);
      } finally {
        await second.stop();
      }
    } finally {
      await replay.start();
    }
  });

  it('starts without a stored snapshot too, not ready and saying why, until the chain answers', async () => {
    await replay.stop();
    let gw: TestGateway | undefined;
    try {
      gw = await startTestGateway(config(dirs[2]!.dir));
      const ready = await fetch(`${gw.url}/readyz`);
      expect(ready.status).toBe(503);
      const report = await ready.json() as { checks: Record<string, { ok: boolean; reason?: string }> };
      expect(report.checks['metagraph:1']?.reason).toMatch(/^not read yet: cannot connect to 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
      expect(report.checks[`model:${TEST_MODEL}`]?.reason).toMatch(/^metagraph of netuid 1 not read yet: cannot connect/);
      const failed = await gw.client.completions.create({ model: TEST_MODEL, prompt: 'x' }).catch((e: unknown) => e);
      expect(failed).toMatchObject({ status: 503, code: 'no_eligible_miners' });
    } finally {
      await gw?.stop();
      await replay.start();
    }
  });
});
