import { sequentialLatency, wrkLoad, type LoadResult } from './lib/load.js';
import { startGatewayProcess, singleMinerModel, startTsxServer } from './lib/gatewayProcess.js';
import type { BenchProcess } from './lib/processes.js';
import { printTable } from './lib/table.js';
import { sequentialLatencyVarying, startBenchRedis, wrkLoadVarying } from './lib/varyingLoad.js';

type Row = Record<string, string | number>;

/**
 * Issue 6's benchmark. Cache hits: the gateway answering from its cache (memory store, and
 * Redis store) against the bare node:http pass-through proxy, which has to ask the miner.
 * Misses: every request different (a cache that never hits), gateway with the memory store
 * against the gateway with Redis, which costs two Redis round trips per miss (lookup with the
 * leader lock; store, release and notify). The gateway and the proxy run pinned to core 1;
 * wrk, the miner and redis-server share core 0. "Capacity on one core" = 1e6 / CPU µs per
 * request of the process under test, as in the proxy benchmark.
 */
export async function runCacheBench(options: { seconds?: number; connections?: number; sequential?: number } = {}): Promise<Record<string, unknown>> {
  const seconds = options.seconds ?? 8;
  const connections = options.connections ?? 32;
  const sequential = options.sequential ?? 2_000;
  const miner = await startTsxServer('bench/servers/miner.ts', ['16', '0'], 0);
  const redis = await startBenchRedis(0);
  const proxy = await startTsxServer('bench/servers/bareProxy.ts', [String(miner.port)], 1);
  const model = { bench: singleMinerModel(miner.port) };
  const memoryGateway = await startGatewayProcess({ log: { level: 'info' }, models: model }, 1);
  const redisGateway = await startGatewayProcess({ log: { level: 'info' }, redis: { url: redis.url }, models: model }, 1);
  const rows: Row[] = [];
  const results: Record<string, unknown> = {};
  const measure = async (name: string, proc: BenchProcess, load: () => Promise<LoadResult>, unloaded: () => Promise<{ p50Ms: number; p99Ms: number }>): Promise<Row> => {
    const quiet = await unloaded();
    const cpuBefore = proc.cpuMs();
    const loaded = await load();
    const cpuUsPerRequest = ((proc.cpuMs() - cpuBefore) * 1000) / loaded.requests;
    const row: Row = {
      target: name, 'req/s': loaded.rps, 'p50 ms': loaded.p50Ms, 'p99 ms': loaded.p99Ms, errors: loaded.errors,
      'unloaded p50 ms': quiet.p50Ms, 'unloaded p99 ms': quiet.p99Ms, 'CPU µs/req': cpuUsPerRequest, 'capacity/core req/s': 1e6 / cpuUsPerRequest,
    };
    rows.push(row);
    results[name] = row;
    return row;
  };
  try {
    const hitBody = JSON.stringify({ model: 'bench', temperature: 0, messages: [{ role: 'user', content: 'benchmark prompt' }] });
    const streamHitBody = JSON.stringify({ model: 'bench', temperature: 0, stream: true, messages: [{ role: 'user', content: 'benchmark prompt' }] });
    for (const gateway of [memoryGateway, redisGateway]) await assertHit(`${gateway.url}/v1/chat/completions`, hitBody);
    const path = '/v1/chat/completions';
    const bare = await measure('bare proxy (asks the miner)', proxy, () => wrkLoad(`http://127.0.0.1:${proxy.port}${path}`, hitBody, { connections, seconds, core: 0 }), () => sequentialLatency(`http://127.0.0.1:${proxy.port}${path}`, hitBody, sequential));
    const hitMemory = await measure('hit, memory store', memoryGateway, () => wrkLoad(`${memoryGateway.url}${path}`, hitBody, { connections, seconds, core: 0 }), () => sequentialLatency(`${memoryGateway.url}${path}`, hitBody, sequential));
    const hitRedis = await measure('hit, Redis store', redisGateway, () => wrkLoad(`${redisGateway.url}${path}`, hitBody, { connections, seconds, core: 0 }), () => sequentialLatency(`${redisGateway.url}${path}`, hitBody, sequential));
    await measure('stream hit, memory store', memoryGateway, () => wrkLoad(`${memoryGateway.url}${path}`, streamHitBody, { connections, seconds, core: 0 }), () => sequentialLatency(`${memoryGateway.url}${path}`, streamHitBody, sequential));

    const missTemplate = JSON.stringify({ model: 'bench', temperature: 0, messages: [{ role: 'user', content: 'benchmark prompt {n}' }] });
    const missMemory = await measure('miss, memory store', memoryGateway, () => wrkLoadVarying(`${memoryGateway.url}${path}`, missTemplate, { connections, seconds, core: 0, salt: 'mem' }), () => sequentialLatencyVarying(`${memoryGateway.url}${path}`, missTemplate, sequential, 'mem'));
    const missRedis = await measure('miss, Redis store', redisGateway, () => wrkLoadVarying(`${redisGateway.url}${path}`, missTemplate, { connections, seconds, core: 0, salt: 'redis' }), () => sequentialLatencyVarying(`${redisGateway.url}${path}`, missTemplate, sequential, 'redis'));

    const cap = (row: Row): number => row['capacity/core req/s'] as number;
    results.verdict = {
      hitMemoryVsBareProxy: cap(hitMemory) / cap(bare),
      hitRedisVsBareProxy: cap(hitRedis) / cap(bare),
      missRedisAddedCpuUs: (missRedis['CPU µs/req'] as number) - (missMemory['CPU µs/req'] as number),
      missRedisAddedUnloadedP50Ms: (missRedis['unloaded p50 ms'] as number) - (missMemory['unloaded p50 ms'] as number),
    };
  } finally {
    await Promise.all([memoryGateway.stop(), redisGateway.stop(), proxy.stop(), miner.stop()]);
    await redis.stop();
  }
  printTable(`Response cache (wrk -c${connections} ${seconds}s per target; ${sequential} sequential requests unloaded)`, rows);
  const v = results.verdict as { hitMemoryVsBareProxy: number; hitRedisVsBareProxy: number; missRedisAddedCpuUs: number; missRedisAddedUnloadedP50Ms: number };
  process.stdout.write(`cache hits, capacity on one core vs the bare proxy: memory store ${v.hitMemoryVsBareProxy.toFixed(2)}x, Redis store ${v.hitRedisVsBareProxy.toFixed(2)}x (goal >= 2x)\n`);
  process.stdout.write(`misses, Redis path vs memory: +${v.missRedisAddedCpuUs.toFixed(1)} µs CPU per request, ${v.missRedisAddedUnloadedP50Ms >= 0 ? '+' : ''}${v.missRedisAddedUnloadedP50Ms.toFixed(3)} ms unloaded p50\n`);
  return results;
}

/** The benchmark is only meaningful if the repeated request really is a hit. */
async function assertHit(url: string, body: string): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    await response.arrayBuffer();
    if (i === 1 && response.headers.get('x-taogate-cache') !== 'HIT') throw new Error(`expected a cache hit from ${url}, got ${response.headers.get('x-taogate-cache')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
