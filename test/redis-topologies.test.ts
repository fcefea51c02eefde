import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysCommand } from '../src/cli/keys.js';
import { startTestGateway, staticModel, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';
import { deterministic, postChat, sleep } from './support/inference.js';
import { startCluster, startSentinel } from './support/redisTopologies.js';
import { startScriptedMiner, type ScriptedMiner } from './support/scriptedMiner.js';

/**
 * The same shared state through Sentinel and through a Cluster of three masters. The
 * fallbacks would hide a command Redis refuses (say CROSSSLOT), so each case also checks that
 * no Redis operation failed.
 */
describe.each([
  ['Sentinel', async () => {
    const sentinel = await startSentinel();
    return { redis: { sentinel: { name: 'mymaster', sentinels: [{ host: '127.0.0.1', port: sentinel.port }] } }, stop: sentinel.stop };
  }],
  ['Cluster', async () => {
    const cluster = await startCluster();
    return { redis: { cluster: { nodes: cluster.ports.map((port) => ({ host: '127.0.0.1', port })) } }, stop: cluster.stop };
  }],
] as const)('shared state through Redis %s', (_name, start) => {
  let topology: Awaited<ReturnType<typeof start>>;
  let miner: ScriptedMiner;
  let a: TestGateway;
  let b: TestGateway;
  let configPath: string;

  beforeAll(async () => {
    topology = await start();
    miner = await startScriptedMiner(1);
    const config = {
      // A generous budget: this is about what each topology accepts, not about latency, and on
      // two shared cores three slow operations in a row would mark Redis down (503 for keys).
      redis: { ...topology.redis, budgetMs: 1_000 },
      auth: { mode: 'keys', lookupCacheMs: 0 },
      rateLimits: { requestsPerMinute: 4, usageFlushMs: 100 },
      models: { [TEST_MODEL]: staticModel([miner]) },
    };
    [a, b] = await Promise.all([startTestGateway(config), startTestGateway(config)]);
    configPath = join(mkdtempSync(join(tmpdir(), 'taogate-topology-')), 'gateway.yaml');
    writeFileSync(configPath, stringify({ redis: topology.redis, models: { [TEST_MODEL]: { netuid: 1, source: { type: 'static', miners: [] } } } }));
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await miner?.close();
    await topology?.stop();
  });

  it('keys, limits, cache and coalescing all work, with no Redis operation failing', async () => {
    let printed = '';
    await keysCommand(['create', '--config', configPath], {}, { out: (t) => { printed += t; }, stdin: async () => '' });
    const auth = { authorization: `Bearer ${printed.split('\n')[0]!}` };

    miner.behave({ kind: 'ok', latencyMs: 400 });
    const body = deterministic('topologies');
    const asked = miner.requests.length;
    const replies = await Promise.all([a, b, a, b].map((gw) => postChat(gw.url, body, auth)));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(miner.requests.length - asked).toBe(1);
    expect((await postChat(b.url, body, auth)).status).toBe(429);
    const later = await postChat(a.url, body, auth);
    expect(later.status).toBe(429);
    expect(later.headers.get('x-ratelimit-limit-requests')).toBe('4');

    await sleep(300);
    let usage = '';
    await keysCommand(['usage', '--config', configPath], {}, { out: (t) => { usage += t; }, stdin: async () => '' });
    expect(usage).toContain('requests=4');
    for (const gw of [a, b]) {
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      expect(metrics).toContain('taogate_redis_up 1');
      expect(metrics).not.toMatch(/taogate_redis_(failures|skipped)_total\{/);
    }
  });
});
