import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../src/access/apiKeys.js';
import { cacheKey } from '../src/cache/key.js';
import { parseInferenceRequest } from '../src/openai/request.js';
import { RedisKeyRegistry } from '../src/state/redisKeyRegistry.js';
import type { RedisClient } from '../src/state/redisClient.js';
import { startTestGateway, staticModel, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';
import { chatText, deterministic, postChat, sleep } from './support/inference.js';
import { inspectRedis } from './support/redisInspect.js';
import { startRedisServer, type RedisServerHandle } from './support/redisServer.js';
import { startScriptedMiner, type ScriptedMiner } from './support/scriptedMiner.js';

/**
 * Redis dies in the middle of a run: clients must not notice (no failed request, none
 * waiting on Redis), operators get one warning per replica and a metric, and the shared
 * cache comes back by itself with Redis.
 */
describe('Redis killed in the middle of a run', () => {
  const KEY = 'sk-tg-outage-test';
  let redis: RedisServerHandle;
  let inspect: RedisClient;
  let miner: ScriptedMiner;
  let a: TestGateway;
  let b: TestGateway;
  let redisKey: string;

  const metric = async (gw: TestGateway, name: string): Promise<string> => {
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    return text.split('\n').find((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`)) ?? '';
  };
  const waitFor = async (condition: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await sleep(50);
    }
  };

  beforeAll(async () => {
    redis = await startRedisServer();
    inspect = await inspectRedis(redis.url);
    redisKey = (await new RedisKeyRegistry(inspect, 'taogate:').create({ name: 'before the outage' })).key;
    miner = await startScriptedMiner(1, { kind: 'ok', latencyMs: 5 });
    const config = {
      redis: { url: redis.url, budgetMs: 50, backoffMs: 200, maxBackoffMs: 1_000 },
      auth: { mode: 'keys', keys: [{ id: 'load', sha256: hashApiKey(KEY) }], lookupCacheMs: 100 },
      rateLimits: { requestsPerMinute: 100_000, tokensPerMinute: 10_000_000 },
      models: { [TEST_MODEL]: staticModel([miner]) },
    };
    [a, b] = await Promise.all([startTestGateway(config), startTestGateway(config)]);
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await miner.close();
    inspect.disconnect();
    await redis.stop();
  });

  it('keeps serving every request, warns once per replica, and resumes the shared cache when Redis is back', async () => {
    // A Redis key seen before the outage.
    expect((await postChat(a.url, deterministic('warm up'), { authorization: `Bearer ${redisKey}` })).status).toBe(200);

    const failures: string[] = [];
    const slow: number[] = [];
    let sent = 0;
    let running = true;
    const client = async (worker: number): Promise<void> => {
      for (let i = 0; running; i++) {
        const gw = (worker + i) % 2 === 0 ? a : b;
        const topic = `topic ${i % 7}`;
        const request = i % 3 === 0 ? { ...deterministic(topic), stream: true } : i % 3 === 1 ? deterministic(topic) : { messages: [{ role: 'user', content: topic }] };
        const started = Date.now();
        const reply = await postChat(gw.url, request, { authorization: `Bearer ${KEY}` }).catch((error: unknown) => ({ status: -1, text: String(error) }));
        sent++;
        if (reply.status !== 200 || !reply.text.includes('assistant')) failures.push(`${reply.status} ${reply.text.slice(0, 200)}`);
        if (Date.now() - started > 500) slow.push(Date.now() - started);
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(client));

    await sleep(400);
    await redis.kill();
    await sleep(600);
    // Down: both replicas know it, still ready, still serving; a key Redis confirmed earlier still works.
    expect(await metric(a, 'taogate_redis_up')).toBe('taogate_redis_up 0');
    expect(await metric(b, 'taogate_redis_up')).toBe('taogate_redis_up 0');
    const ready = await fetch(`${a.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, { ok: boolean; detail: { up: boolean } }> }).checks.redis).toMatchObject({ ok: true, detail: { up: false } });
    expect((await postChat(a.url, deterministic('during'), { authorization: `Bearer ${redisKey}` })).status).toBe(200);
    await sleep(400);

    await redis.restart();
    await waitFor(async () => (await metric(a, 'taogate_redis_up')) === 'taogate_redis_up 1' && (await metric(b, 'taogate_redis_up')) === 'taogate_redis_up 1', 10_000);
    await sleep(300);
    running = false;
    await load;

    expect(sent).toBeGreaterThan(50);
    expect(failures).toEqual([]);
    expect(slow).toEqual([]);
    for (const gw of [a, b]) {
      expect(gw.logs.filter((l) => l.level === 40 && String(l.msg).startsWith('redis unavailable'))).toHaveLength(1);
      expect(gw.logs.filter((l) => String(l.msg).startsWith('redis is back'))).toHaveLength(1);
      expect(await metric(gw, 'taogate_redis_skipped_total')).toMatch(/ [1-9]\d*$/);
    }

    // The shared cache works again: what A stores now, B serves, and it is in the new Redis.
    const after = deterministic('after the outage');
    const stored = await postChat(a.url, after, { authorization: `Bearer ${KEY}` });
    expect(stored.headers.get('x-taogate-cache')).toBe('MISS');
    await sleep(50);
    const shared = await postChat(b.url, after, { authorization: `Bearer ${KEY}` });
    expect(shared.headers.get('x-taogate-cache')).toBe('HIT');
    expect(chatText(shared)).toBe(chatText(stored));
    const fresh = await inspectRedis(redis.url);
    try {
      const key = cacheKey(parseInferenceRequest('chat', { model: TEST_MODEL, ...after }), '')!;
      expect(await fresh.exists(`taogate:cache:{${key}}`)).toBe(1);
    } finally {
      fresh.disconnect();
    }
  });

  it('never makes a request wait on a Redis that hangs longer than the budget', async () => {
    const warningsBefore = a.logs.filter((l) => l.level === 40).length;
    // Redis stops answering every client for 1.5 s (connections stay open).
    const pauser = await inspectRedis(redis.url);
    await pauser.call('CLIENT', 'PAUSE', '1500', 'ALL');
    pauser.disconnect();
    const durations: number[] = [];
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) {
      const started = Date.now();
      const reply = await postChat(a.url, i % 2 === 0 ? deterministic(`paused ${i}`) : { messages: [{ role: 'user', content: `paused ${i}` }] }, { authorization: `Bearer ${KEY}` });
      durations.push(Date.now() - started);
      statuses.push(reply.status);
      await sleep(30);
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
    // Budget 50 ms per Redis operation, and once Redis is marked down, no waiting at all.
    expect(Math.max(...durations)).toBeLessThan(400);
    expect(a.logs.filter((l) => l.level === 40).length - warningsBefore).toBe(1);
    await waitFor(async () => (await metric(a, 'taogate_redis_up')) === 'taogate_redis_up 1', 10_000);
  });
});

describe('Redis away when the gateway starts', () => {
  it('starts anyway, serves, and picks Redis up when it comes', async () => {
    const redis = await startRedisServer();
    await redis.kill();
    const miner = await startScriptedMiner(1);
    const started = Date.now();
    const gw = await startTestGateway({ redis: { url: redis.url, connectTimeoutMs: 500, backoffMs: 100, maxBackoffMs: 300 }, models: { [TEST_MODEL]: staticModel([miner]) } });
    try {
      expect(Date.now() - started).toBeLessThan(3_000);
      const body = deterministic('no redis yet');
      expect((await postChat(gw.url, body)).status).toBe(200);
      expect((await postChat(gw.url, body)).headers.get('x-taogate-cache')).toBe('HIT');
      expect(gw.logs.filter((l) => l.level === 40 && String(l.msg).startsWith('redis unavailable'))).toHaveLength(1);
      await redis.restart();
      const deadline = Date.now() + 10_000;
      for (;;) {
        await postChat(gw.url, deterministic(`probe ${Date.now()}`));
        if (/^taogate_redis_up 1$/m.test(await (await fetch(`${gw.url}/metrics`)).text())) break;
        if (Date.now() > deadline) throw new Error('Redis was not picked up');
        await sleep(100);
      }
      const inspect = await inspectRedis(redis.url);
      try {
        const shared = deterministic('redis arrived');
        await postChat(gw.url, shared);
        await sleep(50);
        expect(await inspect.keys('taogate:cache:*')).not.toHaveLength(0);
      } finally {
        inspect.disconnect();
      }
    } finally {
      await gw.stop();
      await miner.close();
      await redis.stop();
    }
  });
});
