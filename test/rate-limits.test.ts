import { RateLimitError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../src/access/apiKeys.js';
import { OpenApiContract } from './support/contract.js';
import { startTestGateway, staticModel, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';
import { postChat } from './support/inference.js';
import { startRedisServer, type RedisServerHandle } from './support/redisServer.js';
import { startScriptedMiner, type ScriptedMiner } from './support/scriptedMiner.js';

const KEYS = { five: 'sk-tg-five-per-minute', ten: 'sk-tg-ten-per-minute', tokens: 'sk-tg-few-tokens', free: 'sk-tg-no-limits' };
const auth = {
  mode: 'keys',
  keys: [
    { id: 'five', sha256: hashApiKey(KEYS.five), requestsPerMinute: 5 },
    { id: 'ten', sha256: hashApiKey(KEYS.ten), requestsPerMinute: 10 },
    { id: 'tokens', sha256: hashApiKey(KEYS.tokens), tokensPerMinute: 100 },
    { id: 'free', sha256: hashApiKey(KEYS.free) },
  ],
};
const as = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });
const body = (n: number): Record<string, unknown> => ({ messages: [{ role: 'user', content: `question ${n}` }] });

describe('rate limits shared by two replicas through Redis', () => {
  let redis: RedisServerHandle;
  let miner: ScriptedMiner;
  let a: TestGateway;
  let b: TestGateway;
  const contract = new OpenApiContract();

  beforeAll(async () => {
    redis = await startRedisServer();
    miner = await startScriptedMiner(1);
    const config = { redis: { url: redis.url }, auth, models: { [TEST_MODEL]: staticModel([miner]) } };
    [a, b] = await Promise.all([startTestGateway(config), startTestGateway(config)]);
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await miner.close();
    await redis.stop();
  });

  it('counts requests of one key on every replica against one limit, then answers 429 with Retry-After and x-ratelimit headers', async () => {
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const reply = await postChat((i % 2 === 0 ? a : b).url, body(i), as(KEYS.five));
      expect(reply.status).toBe(200);
      expect(reply.headers.get('x-ratelimit-limit-requests')).toBe('5');
      remaining.push(reply.headers.get('x-ratelimit-remaining-requests')!);
      expect(reply.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(ms|s|m\d+s)$/);
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    const asked = miner.requests.length;
    for (const gw of [a, b]) {
      const limited = await postChat(gw.url, body(99), as(KEYS.five));
      expect(limited.status).toBe(429);
      expect(limited.json.error).toMatchObject({ code: 'rate_limit_exceeded', type: 'requests' });
      expect(limited.json.error.message).toContain('requests per minute');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(120);
      expect(limited.headers.get('x-ratelimit-limit-requests')).toBe('5');
      expect(limited.headers.get('x-ratelimit-remaining-requests')).toBe('0');
      expect(limited.headers.get('x-taogate-cache')).toBe('BYPASS');
      expect(contract.check('POST', '/v1/chat/completions', 429, limited.headers, 'application/json', limited.json)).toEqual([]);
    }
    expect(miner.requests.length).toBe(asked);
    // Another key is not affected.
    expect((await postChat(a.url, body(0), as(KEYS.free))).status).toBe(200);
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    expect(metrics).toMatch(/taogate_rate_limited_total\{key="five",limit="requests"\} 1/);
  });

  it('is atomic: a burst across both replicas lets exactly the limit through', async () => {
    const replies = await Promise.all(Array.from({ length: 24 }, (_, i) => postChat((i % 2 === 0 ? a : b).url, body(i), as(KEYS.ten))));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(10);
    expect(replies.filter((r) => r.status === 429)).toHaveLength(14);
  });

  it('limits tokens per minute, counting the real usage of each answer', async () => {
    let allowed = 0;
    let reply;
    for (;;) {
      reply = await postChat((allowed % 2 === 0 ? a : b).url, body(allowed), as(KEYS.tokens));
      if (reply.status !== 200) break;
      allowed++;
      expect(reply.headers.get('x-ratelimit-limit-tokens')).toBe('100');
      expect(allowed).toBeLessThan(10);
    }
    // Each answer costs ~24 completion tokens plus the prompt: a handful fit in 100.
    expect(allowed).toBeGreaterThanOrEqual(2);
    expect(allowed).toBeLessThanOrEqual(4);
    expect(reply.status).toBe(429);
    expect(reply.json.error).toMatchObject({ code: 'token_rate_limit_exceeded', type: 'tokens' });
    expect(reply.headers.get('x-ratelimit-remaining-tokens')).toBe('0');
    expect(Number(reply.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('reach the official client as RateLimitError', async () => {
    const { default: OpenAI } = await import('openai');
    const client = new OpenAI({ baseURL: `${b.url}/v1`, apiKey: KEYS.five, maxRetries: 0 });
    await expect(client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(RateLimitError);
  });
});

describe('rate limits without Redis', () => {
  it('are enforced in process memory, defaults applying to anonymous open access', async () => {
    const miner = await startScriptedMiner(1);
    const gw = await startTestGateway({ rateLimits: { requestsPerMinute: 3 }, models: { [TEST_MODEL]: staticModel([miner]) } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await postChat(gw.url, body(i))).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
    } finally {
      await gw.stop();
      await miner.close();
    }
  });
});
