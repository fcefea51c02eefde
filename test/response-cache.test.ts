import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpenAiSchemas, OpenApiContract, sseEvents } from './support/contract.js';
import { startTestGateway, staticModel, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';
import { chatText, deterministic, postChat, sleep } from './support/inference.js';
import { inspectRedis } from './support/redisInspect.js';
import { startRedisServer, type RedisServerHandle } from './support/redisServer.js';
import { startScriptedMiner, type ScriptedMiner } from './support/scriptedMiner.js';
import type { RedisClient } from '../src/state/redisClient.js';

/**
 * The response cache seen from a client, with each store: the in-process LRU (no Redis) and
 * a real redis-server. A hit is proven by the miner's request count not moving.
 */
describe.each(['memory', 'redis'] as const)('the response cache (%s store)', (store) => {
  let redis: RedisServerHandle | undefined;
  let miner: ScriptedMiner;
  let gw: TestGateway;
  let topic = 0;
  const fresh = (extra: Record<string, unknown> = {}): Record<string, unknown> => deterministic(`${store} topic ${++topic}`, extra);

  beforeAll(async () => {
    if (store === 'redis') redis = await startRedisServer();
    miner = await startScriptedMiner(1);
    gw = await startTestGateway({
      ...(redis === undefined ? {} : { redis: { url: redis.url } }),
      models: {
        [TEST_MODEL]: staticModel([miner]),
        shortlived: staticModel([miner], { cache: { ttlSeconds: 1 } }),
        everything: staticModel([miner], { cache: { mode: 'always' } }),
        never: staticModel([miner], { cache: { mode: 'off' } }),
      },
    });
  });
  afterAll(async () => {
    await gw.stop();
    await miner.close();
    await redis?.stop();
  });
  beforeEach(() => miner.behave({ kind: 'ok' }));

  it('misses, then hits without asking a miner, with a fresh id and the provenance headers', async () => {
    const body = fresh();
    const first = await postChat(gw.url, body);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-taogate-cache')).toBe('MISS');
    const asked = miner.requests.length;
    const second = await postChat(gw.url, body);
    expect(second.status).toBe(200);
    expect(second.headers.get('x-taogate-cache')).toBe('HIT');
    expect(miner.requests.length).toBe(asked);
    expect(chatText(second)).toBe(chatText(first));
    expect(second.json.id).not.toBe(first.json.id);
    expect(second.json.usage).toEqual(first.json.usage);
    expect(second.headers.get('x-taogate-miner-hotkey')).toBe(miner.hotkey);
    expect(second.headers.get('x-taogate-miners-asked')).toBe('0');
    expect(second.headers.get('age')).toMatch(/^\d+$/);
  });

  it('serves the stored answer, not a new one, until it expires (TTL per model)', async () => {
    const body = fresh({ model: 'shortlived' });
    const first = await postChat(gw.url, body);
    miner.behave({ kind: 'text', text: 'a different answer now' });
    const hit = await postChat(gw.url, body);
    expect(hit.headers.get('x-taogate-cache')).toBe('HIT');
    expect(chatText(hit)).toBe(chatText(first));
    await sleep(1_100);
    const expired = await postChat(gw.url, body);
    expect(expired.headers.get('x-taogate-cache')).toBe('MISS');
    expect(chatText(expired)).toBe('a different answer now');
  });

  it('hits for JSON that differs only in key order, spacing and fields that do not change the answer', async () => {
    const content = `reordered ${store}`;
    const a = `{"model":"${TEST_MODEL}","temperature":0,"max_tokens":50,"messages":[{"role":"user","content":"${content}"}]}`;
    const b = `{ "messages" : [ { "content" : "${content}", "role" : "user" } ],\n  "max_tokens": 50, "user": "someone-else",\n "temperature": 0.0, "stream": false, "model": "${TEST_MODEL}" }`;
    expect((await postChat(gw.url, a)).headers.get('x-taogate-cache')).toBe('MISS');
    expect((await postChat(gw.url, b)).headers.get('x-taogate-cache')).toBe('HIT');
    const differentParam = a.replace('"max_tokens":50', '"max_tokens":51');
    expect((await postChat(gw.url, differentParam)).headers.get('x-taogate-cache')).toBe('MISS');
  });

  it('bypasses requests that are not deterministic, unless forced or the model caches everything', async () => {
    const body = { messages: [{ role: 'user', content: `creative ${store}` }], temperature: 0.9 };
    for (let i = 0; i < 2; i++) expect((await postChat(gw.url, body)).headers.get('x-taogate-cache')).toBe('BYPASS');
    expect((await postChat(gw.url, body, { 'x-taogate-cache': 'force' })).headers.get('x-taogate-cache')).toBe('MISS');
    expect((await postChat(gw.url, body, { 'x-taogate-cache': 'force' })).headers.get('x-taogate-cache')).toBe('HIT');
    const anything = { model: 'everything', messages: [{ role: 'user', content: `anything ${store}` }] };
    expect((await postChat(gw.url, anything)).headers.get('x-taogate-cache')).toBe('MISS');
    expect((await postChat(gw.url, anything)).headers.get('x-taogate-cache')).toBe('HIT');
    const off = { ...fresh(), model: 'never' };
    const asked = miner.requests.length;
    for (let i = 0; i < 2; i++) expect((await postChat(gw.url, off, { 'x-taogate-cache': 'force' })).headers.get('x-taogate-cache')).toBe('BYPASS');
    expect(miner.requests.length).toBe(asked + 2);
  });

  it('Cache-Control: no-cache asks a miner and refreshes the entry; no-store leaves the cache as it was', async () => {
    const body = fresh();
    const original = chatText(await postChat(gw.url, body));
    miner.behave({ kind: 'text', text: 'refreshed answer' });
    const refreshed = await postChat(gw.url, body, { 'cache-control': 'no-cache' });
    expect(refreshed.headers.get('x-taogate-cache')).toBe('BYPASS');
    expect(chatText(refreshed)).toBe('refreshed answer');
    await sleep(50);
    const hit = await postChat(gw.url, body);
    expect(hit.headers.get('x-taogate-cache')).toBe('HIT');
    expect(chatText(hit)).toBe('refreshed answer');
    expect(original).not.toBe('refreshed answer');

    const unstored = fresh();
    expect((await postChat(gw.url, unstored, { 'cache-control': 'no-store' })).headers.get('x-taogate-cache')).toBe('MISS');
    await sleep(50);
    expect((await postChat(gw.url, unstored)).headers.get('x-taogate-cache')).toBe('MISS');
    // no-store still reads: the entry the last request stored is served.
    expect((await postChat(gw.url, unstored, { 'cache-control': 'no-store' })).headers.get('x-taogate-cache')).toBe('HIT');
    const both = await postChat(gw.url, unstored, { 'cache-control': 'no-cache, no-store' });
    expect(both.headers.get('x-taogate-cache')).toBe('BYPASS');
  });

  it('replays a cached answer to a streaming request as valid SSE, and caches streamed answers for whole requests', async () => {
    const contract = new OpenApiContract();
    const openai = new OpenAiSchemas();
    const body = fresh();
    const whole = await postChat(gw.url, body);
    const asked = miner.requests.length;
    const streamed = await postChat(gw.url, { ...body, stream: true, stream_options: { include_usage: true } });
    expect(streamed.headers.get('x-taogate-cache')).toBe('HIT');
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    expect(miner.requests.length).toBe(asked);
    expect(chatText(streamed)).toBe(chatText(whole));
    const events = sseEvents(streamed.text);
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as Record<string, any>);
    for (const chunk of chunks) {
      expect(contract.check('POST', '/v1/chat/completions', 200, streamed.headers, 'text/event-stream', chunk)).toEqual([]);
      expect(openai.check('CreateChatCompletionStreamResponse', chunk)).toEqual([]);
    }
    expect(chunks[0]!.choices[0].delta.role).toBe('assistant');
    expect(chunks.filter((c) => c.choices[0]?.finish_reason === 'stop')).toHaveLength(1);
    expect(chunks[chunks.length - 1]!.usage).toEqual(whole.json.usage);

    // The official client reads the replay like any stream.
    const sdkStream = await gw.client.chat.completions.create({ model: TEST_MODEL, ...(body as { messages: [] }), stream: true });
    let sdkText = '';
    for await (const chunk of sdkStream) sdkText += chunk.choices[0]?.delta.content ?? '';
    expect(sdkText).toBe(chatText(whole));

    const streamFirst = fresh();
    const live = await postChat(gw.url, { ...streamFirst, stream: true });
    expect(live.headers.get('x-taogate-cache')).toBe('MISS');
    await sleep(50);
    const after = await postChat(gw.url, streamFirst);
    expect(after.headers.get('x-taogate-cache')).toBe('HIT');
    expect(chatText(after)).toBe(chatText(live));
  });

  it('stores only complete, valid answers', async () => {
    const body = fresh();
    miner.behave({ kind: 'empty' });
    expect((await postChat(gw.url, body)).status).toBe(502);
    miner.behave({ kind: 'cut', afterChunks: 2 });
    const cut = await postChat(gw.url, { ...body, stream: true });
    expect(cut.text).not.toContain('[DONE]');
    miner.behave({ kind: 'ok' });
    await sleep(50);
    const next = await postChat(gw.url, body);
    expect(next.status).toBe(200);
    expect(next.headers.get('x-taogate-cache')).toBe('MISS');
  });

  it('says what the cache did on error responses too', async () => {
    const missing = await postChat(gw.url, { ...fresh(), model: 'no-such-model' });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-taogate-cache')).toBe('BYPASS');
    miner.behave({ kind: 'status', status: 500 });
    const failed = await postChat(gw.url, fresh());
    expect(failed.status).toBe(502);
    expect(failed.headers.get('x-taogate-cache')).toBe('MISS');
  });
});

describe('cache entries in Redis', () => {
  let redis: RedisServerHandle;
  let inspect: RedisClient;
  let miner: ScriptedMiner;
  let gw: TestGateway;

  beforeAll(async () => {
    redis = await startRedisServer();
    inspect = await inspectRedis(redis.url);
    miner = await startScriptedMiner(7);
    gw = await startTestGateway({
      redis: { url: redis.url, keyPrefix: 'tg-test:' },
      cache: { ttlSeconds: 120, maxEntryBytes: 2_000 },
      models: { [TEST_MODEL]: staticModel([miner]) },
    });
  });
  afterAll(async () => {
    await gw.stop();
    await miner.close();
    inspect.disconnect();
    await redis.stop();
  });

  it('are versioned, expire with the TTL and carry their provenance', async () => {
    const before = Date.now();
    await postChat(gw.url, deterministic('provenance'));
    await sleep(50);
    const keys = await inspect.keys('tg-test:cache:*');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^tg-test:cache:\{v1:[\w-]{43}\}$/);
    const ttl = await inspect.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(110_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
    const entry = JSON.parse((await inspect.get(keys[0]!))!) as { v: number; answer: { text: string }; provenance: { miners: Array<{ uid: number; hotkey: string }>; storedAt: number; model: string } };
    expect(entry.v).toBe(1);
    expect(entry.provenance.miners).toEqual([{ uid: 7, hotkey: miner.hotkey }]);
    expect(entry.provenance.model).toBe(TEST_MODEL);
    expect(entry.provenance.storedAt).toBeGreaterThanOrEqual(before);
    expect(await inspect.keys('tg-test:cache-lock:*')).toEqual([]);
  });

  it('are not written above the size cap', async () => {
    miner.behave({ kind: 'text', text: 'x'.repeat(3_000) });
    const body = deterministic('a long answer');
    expect((await postChat(gw.url, body)).headers.get('x-taogate-cache')).toBe('MISS');
    await sleep(50);
    expect((await postChat(gw.url, body)).headers.get('x-taogate-cache')).toBe('MISS');
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/taogate_cache_stores_total\{outcome="too_large"\} 2/);
  });

  it('that are corrupt or from another version count as misses', async () => {
    miner.behave({ kind: 'ok' });
    const body = deterministic('corrupted');
    await postChat(gw.url, body);
    await sleep(50);
    const keys = await inspect.keys('tg-test:cache:*');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) await inspect.set(key, '{"v":0,"garbage":true}');
    const reply = await postChat(gw.url, body);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('x-taogate-cache')).toBe('MISS');
  });
});

describe('per-key cache namespaces', () => {
  const alice = 'sk-tg-alice-test-key';
  const bob = 'sk-tg-bob-test-key';
  let miner: ScriptedMiner;
  const gateways: TestGateway[] = [];

  const start = async (namespacePerKey: boolean): Promise<TestGateway> => {
    const { hashApiKey } = await import('../src/access/apiKeys.js');
    const gw = await startTestGateway({
      auth: { mode: 'keys', keys: [{ id: 'alice', sha256: hashApiKey(alice) }, { id: 'bob', sha256: hashApiKey(bob) }] },
      cache: { namespacePerKey },
      models: { [TEST_MODEL]: staticModel([miner]) },
    });
    gateways.push(gw);
    return gw;
  };

  beforeAll(async () => {
    miner = await startScriptedMiner(1);
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await miner.close();
  });

  it('keeps each key\'s answers to itself when namespacePerKey is on', async () => {
    const gw = await start(true);
    const body = deterministic('namespaces');
    expect((await postChat(gw.url, body, { authorization: `Bearer ${alice}` })).headers.get('x-taogate-cache')).toBe('MISS');
    expect((await postChat(gw.url, body, { authorization: `Bearer ${alice}` })).headers.get('x-taogate-cache')).toBe('HIT');
    expect((await postChat(gw.url, body, { authorization: `Bearer ${bob}` })).headers.get('x-taogate-cache')).toBe('MISS');
    expect((await postChat(gw.url, body, { authorization: `Bearer ${bob}` })).headers.get('x-taogate-cache')).toBe('HIT');
  });

  it('shares answers between keys by default', async () => {
    const gw = await start(false);
    const body = deterministic('shared between keys');
    expect((await postChat(gw.url, body, { authorization: `Bearer ${alice}` })).headers.get('x-taogate-cache')).toBe('MISS');
    expect((await postChat(gw.url, body, { authorization: `Bearer ${bob}` })).headers.get('x-taogate-cache')).toBe('HIT');
  });
});

describe('the response cache switched off', () => {
  it('asks a miner every time and says BYPASS, for whole and streamed requests', async () => {
    const miner = await startScriptedMiner(1);
    const gw = await startTestGateway({ cache: { enabled: false }, models: { [TEST_MODEL]: staticModel([miner]) } });
    try {
      const body = deterministic('cache off');
      for (const stream of [false, false, true]) {
        const before = miner.requests.length;
        const response = await postChat(gw.url, { ...body, stream });
        expect(response.status).toBe(200);
        expect(response.headers.get('x-taogate-cache')).toBe('BYPASS');
        expect(miner.requests.length).toBe(before + 1);
      }
    } finally {
      await gw.stop();
      await miner.close();
    }
  });
});
