import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthenticationError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../src/access/apiKeys.js';
import { keysCommand } from '../src/cli/keys.js';
import type { RedisClient } from '../src/state/redisClient.js';
import { OpenApiContract } from './support/contract.js';
import { startTestGateway, staticModel, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';
import { deterministic, postChat, sleep } from './support/inference.js';
import { inspectRedis } from './support/redisInspect.js';
import { startRedisServer, type RedisServerHandle } from './support/redisServer.js';
import { startScriptedMiner, type ScriptedMiner } from './support/scriptedMiner.js';

const body = { messages: [{ role: 'user', content: 'who are you?' }] };

/** Runs `taogate keys ...` in-process and returns what it printed. */
async function keys(args: string[], stdin = ''): Promise<string> {
  let out = '';
  await keysCommand(args, {}, { out: (text) => { out += text; }, stdin: async () => stdin });
  return out;
}

describe('API keys defined in config', () => {
  const key = 'sk-tg-from-the-config-file';
  let miner: ScriptedMiner;
  let gw: TestGateway;
  const contract = new OpenApiContract();

  beforeAll(async () => {
    miner = await startScriptedMiner(1);
    gw = await startTestGateway({
      auth: { mode: 'keys', keys: [{ id: 'ops', sha256: hashApiKey(key) }] },
      models: { [TEST_MODEL]: staticModel([miner]) },
    });
  });
  afterAll(async () => {
    await gw.stop();
    await miner.close();
  });

  it('refuse a request without a key, or with a wrong one, with 401 envelopes, before asking any miner', async () => {
    const asked = miner.requests.length;
    const missing = await postChat(gw.url, body);
    expect(missing.status).toBe(401);
    expect(missing.json.error).toMatchObject({ code: 'missing_api_key', type: 'invalid_request_error', param: null });
    expect(contract.check('POST', '/v1/chat/completions', 401, missing.headers, 'application/json', missing.json)).toEqual([]);
    const wrong = await postChat(gw.url, body, { authorization: 'Bearer sk-tg-not-a-key' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe('invalid_api_key');
    expect(wrong.text).not.toContain('sk-tg-not-a-key');
    const notBearer = await postChat(gw.url, body, { authorization: `Basic ${key}` });
    expect(notBearer.json.error.code).toBe('missing_api_key');
    expect(miner.requests.length).toBe(asked);
    expect((await fetch(`${gw.url}/v1/models`)).status).toBe(401);
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
  });

  it('guard the model list and the miner list like the inference routes', async () => {
    for (const path of ['/v1/models', `/v1/miners?model=${TEST_MODEL}`]) {
      const anonymous = await fetch(`${gw.url}${path}`);
      expect(anonymous.status).toBe(401);
      expect((await anonymous.json() as { error: { code: string } }).error.code).toBe('missing_api_key');
      expect((await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    }
  });

  it('serve a request with the right key, through the official client too', async () => {
    expect((await postChat(gw.url, body, { authorization: `Bearer ${key}` })).status).toBe(200);
    const { default: OpenAI } = await import('openai');
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    const reply = await client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: 'hi' }] });
    expect(reply.choices[0]!.message.content).toBeTruthy();
    expect((await client.models.list()).data[0]!.id).toBe(TEST_MODEL);
    await expect(gw.client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(AuthenticationError);
  });
});

describe('access without an auth section', () => {
  it('is closed: open access must be configured explicitly', async () => {
    const miner = await startScriptedMiner(1);
    const gw = await startTestGateway({ auth: { mode: 'keys' }, models: { [TEST_MODEL]: staticModel([miner]) } });
    try {
      expect((await postChat(gw.url, body, { authorization: 'Bearer anything' })).status).toBe(401);
      expect(gw.logs.some((l) => l.level === 40 && String(l.msg).includes('every inference request will get 401'))).toBe(true);
    } finally {
      await gw.stop();
      await miner.close();
    }
  });
});

describe('API keys kept in Redis, managed with taogate keys', () => {
  let redis: RedisServerHandle;
  let inspect: RedisClient;
  let miner: ScriptedMiner;
  let gw: TestGateway;
  let configPath: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    inspect = await inspectRedis(redis.url);
    miner = await startScriptedMiner(1);
    const dir = mkdtempSync(join(tmpdir(), 'taogate-keys-'));
    configPath = join(dir, 'gateway.yaml');
    writeFileSync(configPath, `redis:\n  url: ${redis.url}\nmodels:\n  ${TEST_MODEL}:\n    netuid: 1\n    source: { type: static, miners: [] }\n`);
    gw = await startTestGateway({
      redis: { url: redis.url },
      auth: { mode: 'keys', lookupCacheMs: 0 },
      rateLimits: { usageFlushMs: 100 },
      models: { [TEST_MODEL]: staticModel([miner]) },
    });
  });
  afterAll(async () => {
    await gw.stop();
    await miner.close();
    inspect.disconnect();
    await redis.stop();
  });

  it('creates a key shown once and stored only as its hash; the gateway accepts it at once', async () => {
    const printed = await keys(['create', '--config', configPath, '--name', 'carol', '--rpm', '100']);
    const key = printed.split('\n')[0]!;
    expect(key).toMatch(/^sk-tg-[\w-]{32}$/);
    const id = /id (key_[0-9a-f]{12})/.exec(printed)![1]!;
    const everything = await Promise.all((await inspect.keys('*')).map(async (k) => `${k} ${await inspect.type(k) === 'string' ? await inspect.get(k) : JSON.stringify(await inspect.hgetall(k))}`));
    expect(everything.join('\n')).not.toContain(key);
    expect(everything.join('\n')).toContain(hashApiKey(key));

    const listed = await keys(['list', '--config', configPath]);
    expect(listed).toContain(id);
    expect(listed).toContain('carol');
    expect(listed).toContain('rpm=100');
    expect(listed).not.toContain(key);

    const ok = await postChat(gw.url, body, { authorization: `Bearer ${key}` });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-ratelimit-limit-requests')).toBe('100');
  });

  it('counts usage per key, readable from the CLI and as metrics', async () => {
    const printed = await keys(['create', '--config', configPath]);
    const key = printed.split('\n')[0]!;
    const id = /id (key_[0-9a-f]{12})/.exec(printed)![1]!;
    for (let i = 0; i < 3; i++) expect((await postChat(gw.url, deterministic('usage'), { authorization: `Bearer ${key}` })).status).toBe(200);
    await sleep(300);
    const usage = await keys(['usage', id, '--config', configPath]);
    const counts = Object.fromEntries([...usage.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
    expect(counts.requests).toBe(3);
    expect(counts.cached).toBe(2);
    expect(counts.completion_tokens).toBeGreaterThan(0);
    expect(counts.prompt_tokens).toBeGreaterThan(0);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toContain(`taogate_key_requests_total{key="${id}"} 3`);
    expect(metrics).toMatch(new RegExp(`taogate_key_tokens_total\\{key="${id}",kind="completion"\\} [1-9]`));
  });

  it('refuses a revoked key', async () => {
    const printed = await keys(['create', '--config', configPath, '--name', 'leaver']);
    const key = printed.split('\n')[0]!;
    const id = /id (key_[0-9a-f]{12})/.exec(printed)![1]!;
    expect((await postChat(gw.url, body, { authorization: `Bearer ${key}` })).status).toBe(200);
    expect(await keys(['revoke', id, '--config', configPath])).toBe(`revoked ${id}\n`);
    const refused = await postChat(gw.url, body, { authorization: `Bearer ${key}` });
    expect(refused.status).toBe(401);
    expect(refused.json.error.code).toBe('invalid_api_key');
    expect(await keys(['list', '--config', configPath])).toMatch(new RegExp(`${id}  leaver  .* revoked `));
    await expect(keys(['revoke', 'key_nope', '--config', configPath])).rejects.toThrow(/no key with id key_nope/);
  });

  it('makes keys for the config file too', async () => {
    const printed = await keys(['create', '--local', '--name', 'cfg', '--tpm', '5000']);
    const key = printed.split('\n')[0]!;
    expect(printed).toContain(`sha256: ${hashApiKey(key)}`);
    expect(printed).toContain('id: cfg');
    expect(printed).toContain('tokensPerMinute: 5000');
    expect(await keys(['hash'], `${key}\n`)).toBe(`${hashApiKey(key)}\n`);
  });
});
