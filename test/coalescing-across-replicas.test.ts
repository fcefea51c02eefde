import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cacheKey } from '../src/cache/key.js';
import { parseInferenceRequest } from '../src/openai/request.js';
import type { RedisClient } from '../src/state/redisClient.js';
import { startTestGateway, staticModel, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';
import { chatText, deterministic, postChat, sleep } from './support/inference.js';
import { inspectRedis } from './support/redisInspect.js';
import { startRedisServer, type RedisServerHandle } from './support/redisServer.js';
import { startScriptedMiner, type ScriptedMiner } from './support/scriptedMiner.js';

/**
 * Two gateway replicas on one redis-server, like replicas behind a load balancer: what one
 * learns the other knows, and identical requests in flight anywhere ask the miners once.
 */
describe('two replicas sharing Redis', () => {
  let redis: RedisServerHandle;
  let inspect: RedisClient;
  let miner: ScriptedMiner;
  let a: TestGateway;
  let b: TestGateway;
  const LOCK_TTL_MS = 300;

  beforeAll(async () => {
    redis = await startRedisServer();
    inspect = await inspectRedis(redis.url);
    miner = await startScriptedMiner(1);
    const config = {
      redis: { url: redis.url, keyPrefix: 'shared:' },
      // A lock shorter than the miner's answer time: leaders must renew it while they work.
      cache: { coalesce: { lockTtlMs: LOCK_TTL_MS, pollMs: 100 } },
      models: { [TEST_MODEL]: staticModel([miner], { fanout: { retries: 0 }, timeouts: { totalMs: 10_000, firstByteMs: 5_000 } }) },
    };
    [a, b] = await Promise.all([startTestGateway(config), startTestGateway(config)]);
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await miner.close();
    inspect.disconnect();
    await redis.stop();
  });
  beforeEach(() => miner.behave({ kind: 'ok' }));

  it('share the cache: what one replica stored, the other serves', async () => {
    const body = deterministic('sharing');
    expect((await postChat(a.url, body)).headers.get('x-taogate-cache')).toBe('MISS');
    await sleep(50);
    const asked = miner.requests.length;
    const fromB = await postChat(b.url, body);
    expect(fromB.headers.get('x-taogate-cache')).toBe('HIT');
    expect(miner.requests.length).toBe(asked);
  });

  it('coalesce identical concurrent requests on both replicas into one miner request', async () => {
    miner.behave({ kind: 'ok', latencyMs: 1_000 });
    const body = deterministic('coalescing');
    const asked = miner.requests.length;
    const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => {
      const gw = i % 2 === 0 ? a : b;
      // Whole and streamed requests share one flight.
      return postChat(gw.url, i % 3 === 0 ? { ...body, stream: true } : body);
    }));
    expect(miner.requests.length - asked).toBe(1);
    const texts = new Set(replies.map((r) => chatText(r)));
    expect(texts.size).toBe(1);
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const outcomes = replies.map((r) => r.headers.get('x-taogate-cache'));
    expect(outcomes.filter((o) => o === 'MISS')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'HIT')).toHaveLength(11);
    expect(await inspect.keys('shared:cache-lock:*')).toEqual([]);
  });

  it("a leader's failure releases its followers at once, on both replicas, to try for themselves", async () => {
    // The first miner call fails after a while; every later one succeeds.
    miner.behave((n) => (n === firstFailing ? { kind: 'status', status: 500, latencyMs: 600 } : { kind: 'ok', latencyMs: 100 }));
    const firstFailing = miner.requests.length + 1;
    const body = deterministic('a failing leader');
    const started = Date.now();
    const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => postChat((i % 2 === 0 ? a : b).url, body)));
    const elapsed = Date.now() - started;
    expect(replies.filter((r) => r.status === 502)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 200)).toHaveLength(7);
    // Released followers did not sit out a lock TTL or a poll interval per failure.
    expect(elapsed).toBeLessThan(600 + 100 + 700);
  });

  it('a lock whose holder died expires, and a waiting request leads instead', async () => {
    const body = deterministic('a dead leader');
    const key = cacheKey(parseInferenceRequest('chat', { model: TEST_MODEL, ...body }), '')!;
    // What a replica that died mid-flight leaves behind: a lock nobody renews.
    await inspect.set(`shared:cache-lock:{${key}}`, 'dead-replica:1', 'PX', 800);
    const asked = miner.requests.length;
    const started = Date.now();
    const reply = await postChat(b.url, body);
    const elapsed = Date.now() - started;
    expect(reply.status).toBe(200);
    expect(reply.headers.get('x-taogate-cache')).toBe('MISS');
    expect(miner.requests.length - asked).toBe(1);
    expect(elapsed).toBeGreaterThanOrEqual(700);
    expect(elapsed).toBeLessThan(2_500);
  });
});

describe('coalescing within one replica (no Redis)', () => {
  let miner: ScriptedMiner;
  let gw: TestGateway;

  beforeAll(async () => {
    miner = await startScriptedMiner(1, { kind: 'ok', latencyMs: 500 });
    gw = await startTestGateway({ models: { [TEST_MODEL]: staticModel([miner], { fanout: { retries: 0 } }) } });
  });
  afterAll(async () => {
    await gw.stop();
    await miner.close();
  });

  it('asks the miner once for identical concurrent requests, streamed leader included', async () => {
    const body = deterministic('local coalescing');
    const leader = postChat(gw.url, { ...body, stream: true });
    await sleep(50);
    const followers = Array.from({ length: 6 }, (_, i) => postChat(gw.url, i % 2 === 0 ? body : { ...body, stream: true, stream_options: { include_usage: true } }));
    const replies = await Promise.all([leader, ...followers]);
    expect(miner.requests).toHaveLength(1);
    expect(new Set(replies.map(chatText)).size).toBe(1);
    expect(replies.map((r) => r.headers.get('x-taogate-cache'))).toEqual(['MISS', 'HIT', 'HIT', 'HIT', 'HIT', 'HIT', 'HIT']);
  });

  it('lets followers go to miners on their own when the leader fails', async () => {
    miner.behave((n) => (n === first ? { kind: 'status', status: 500, latencyMs: 300 } : { kind: 'ok' }));
    const first = miner.requests.length + 1;
    const body = deterministic('local failure');
    const replies = await Promise.all(Array.from({ length: 5 }, () => postChat(gw.url, body)));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 502]);
  });
});
