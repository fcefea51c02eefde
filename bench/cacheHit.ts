import { sequentialLatency, wrkLoad, type LoadResult } from './lib/load.js';
import { startGatewayProcess, singleMinerModel, startTsxServer } from './lib/gatewayProcess.js';
import type { BenchProcess } from './lib/processes.js';
import { printTable } from './lib/table.js';
import { inRounds, medianOverRounds, type Row, type RoundsResult } from './lib/rounds.js';
import { runLruHitBench } from './lruHit.js';
import { sequentialLatencyVarying, startBenchRedis, wrkLoadVarying } from './lib/varyingLoad.js';

/**
 * Issue 6's benchmark. Cache hits: the gateway answering from its cache (memory store, and
 * Redis store) against the bare node:http pass-through proxy, which has to ask the miner.
 * Misses: every request different (a cache that never hits), gateway with the memory store
 * against the gateway with Redis, which costs two Redis round trips per miss (lookup with the
 * leader lock; store, release and notify). The gateway and the proxy run pinned to core 1;
 * wrk, the miner and redis-server share core 0. "Capacity on one core" = 1e6 / CPU µs per
 * request of the process under test, as in the proxy benchmark. Targets are measured in
 * interleaved rounds, each load after a discarded warm-up run (see lib/rounds.ts).
 */
export async function runCacheBench(options: { seconds?: number; connections?: number; sequential?: number; rounds?: number } = {}): Promise<Record<string, unknown>> {
  const lru = runLruHitBench();
  process.stdout.write(`hot key on a full 10,000-entry memory cache: ${lru['MemoryLru µs/hit']!.toFixed(3)} µs a hit (a Map re-inserting the key on every hit: ${lru['Map re-insert µs/hit']!.toFixed(2)} µs)\n`);
  const rounds = options.rounds ?? 3;
  const seconds = options.seconds ?? 5;
  const connections = options.connections ?? 32;
  const sequential = options.sequential ?? 1_000;
  // The same precomputed-answer miner as the proxy benchmark, so the bare proxy is measured at
  // its best (saturated, its upstream never the bottleneck): the reference for the 2x goal.
  const miner = await startTsxServer('bench/servers/staticMiner.ts', [], 0);
  const redis = await startBenchRedis(0);
  const proxy = await startTsxServer('bench/servers/bareProxy.ts', [String(miner.port)], 1);
  const honoFloor = await startTsxServer('bench/servers/honoFixedAnswer.ts', [String(miner.port)], 1);
  const model = { bench: singleMinerModel(miner.port) };
  const memoryGateway = await startGatewayProcess({ log: { level: 'info' }, models: model }, 1);
  const redisGateway = await startGatewayProcess({ log: { level: 'info' }, redis: { url: redis.url }, models: model }, 1);
  const measure = async (name: string, proc: BenchProcess, load: () => Promise<LoadResult>, unloaded: () => Promise<{ p50Ms: number; p99Ms: number }>): Promise<Row> => {
    await load(); // warm-up, discarded
    const quiet = await unloaded();
    const gcBefore = await proc.gcPauseMs?.();
    const cpuBefore = proc.cpuMs();
    const loaded = await load();
    const cpuUsPerRequest = ((proc.cpuMs() - cpuBefore) * 1000) / loaded.requests;
    const gcAfter = await proc.gcPauseMs?.();
    return {
      target: name, 'req/s': loaded.rps, 'p50 ms': loaded.p50Ms, 'p99 ms': loaded.p99Ms, errors: loaded.errors,
      'unloaded p50 ms': quiet.p50Ms, 'unloaded p99 ms': quiet.p99Ms, 'CPU µs/req': cpuUsPerRequest, 'capacity/core req/s': 1e6 / cpuUsPerRequest,
      'GC pause µs/req': gcBefore === undefined || gcAfter === undefined ? '-' : ((gcAfter - gcBefore) * 1000) / loaded.requests,
    };
  };
  let measured: RoundsResult;
  try {
    const hitBody = JSON.stringify({ model: 'bench', temperature: 0, messages: [{ role: 'user', content: 'benchmark prompt' }] });
    const streamHitBody = JSON.stringify({ model: 'bench', temperature: 0, stream: true, messages: [{ role: 'user', content: 'benchmark prompt' }] });
    for (const gateway of [memoryGateway, redisGateway]) await assertHit(`${gateway.url}/v1/chat/completions`, hitBody);
    const path = '/v1/chat/completions';
    const fixed = (name: string, proc: BenchProcess, url: string, body: string) => ({
      key: name,
      run: () => measure(name, proc, () => wrkLoad(url, body, { connections, seconds, core: 0 }), () => sequentialLatency(url, body, sequential)),
    });
    // Every round and every load of a round asks new questions: a miss must stay a miss.
    let salt = 0;
    const varying = (name: string, proc: BenchProcess, url: string, template: string) => ({
      key: name,
      run: () => measure(name, proc, () => wrkLoadVarying(url, template, { connections, seconds, core: 0, salt: `${name}-${++salt}` }), () => sequentialLatencyVarying(url, template, sequential, `${name}-${++salt}`)),
    });
    const missTemplate = JSON.stringify({ model: 'bench', temperature: 0, messages: [{ role: 'user', content: 'benchmark prompt {n}' }] });
    measured = await inRounds(rounds, [
      fixed('bare proxy (asks the miner)', proxy, `http://127.0.0.1:${proxy.port}${path}`, hitBody),
      fixed('Hono floor (fixed answer, no miner)', honoFloor, `http://127.0.0.1:${honoFloor.port}${path}`, hitBody),
      fixed('hit, memory store', memoryGateway, `${memoryGateway.url}${path}`, hitBody),
      fixed('hit, Redis store', redisGateway, `${redisGateway.url}${path}`, hitBody),
      fixed('stream hit, memory store', memoryGateway, `${memoryGateway.url}${path}`, streamHitBody),
      varying('miss, memory store', memoryGateway, `${memoryGateway.url}${path}`, missTemplate),
      varying('miss, Redis store', redisGateway, `${redisGateway.url}${path}`, missTemplate),
    ]);
  } finally {
    await Promise.all([memoryGateway.stop(), redisGateway.stop(), proxy.stop(), honoFloor.stop(), miner.stop()]);
    await redis.stop();
  }
  const field = (round: Record<string, Row>, target: string, name: string): number => round[target]![name] as number;
  const verdict = {
    hitMemoryVsBareProxy: medianOverRounds(measured, (r) => field(r, 'hit, memory store', 'capacity/core req/s') / field(r, 'bare proxy (asks the miner)', 'capacity/core req/s')),
    hitRedisVsBareProxy: medianOverRounds(measured, (r) => field(r, 'hit, Redis store', 'capacity/core req/s') / field(r, 'bare proxy (asks the miner)', 'capacity/core req/s')),
    honoFloorVsBareProxy: medianOverRounds(measured, (r) => field(r, 'Hono floor (fixed answer, no miner)', 'capacity/core req/s') / field(r, 'bare proxy (asks the miner)', 'capacity/core req/s')),
    missRedisAddedCpuUs: medianOverRounds(measured, (r) => field(r, 'miss, Redis store', 'CPU µs/req') - field(r, 'miss, memory store', 'CPU µs/req')),
    missRedisAddedUnloadedP50Ms: medianOverRounds(measured, (r) => field(r, 'miss, Redis store', 'unloaded p50 ms') - field(r, 'miss, memory store', 'unloaded p50 ms')),
  };
  printTable(`Response cache (medians of ${rounds} interleaved rounds; per round and target wrk -c${connections} ${seconds}s, ${sequential} sequential requests unloaded)`, Object.values(measured.median));
  const v = verdict;
  process.stdout.write(`cache hits, capacity on one core vs the bare proxy: memory store ${v.hitMemoryVsBareProxy.toFixed(2)}x, Redis store ${v.hitRedisVsBareProxy.toFixed(2)}x (goal >= 2x; Hono alone answering a fixed body: ${v.honoFloorVsBareProxy.toFixed(2)}x)\n`);
  process.stdout.write(`misses, Redis path vs memory: ${v.missRedisAddedCpuUs >= 0 ? '+' : ''}${v.missRedisAddedCpuUs.toFixed(1)} µs CPU per request, ${v.missRedisAddedUnloadedP50Ms >= 0 ? '+' : ''}${v.missRedisAddedUnloadedP50Ms.toFixed(3)} ms unloaded p50\n`);
  return { rounds, ...measured.median, verdict, lruHotKeyOnFullCache: lru };
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
