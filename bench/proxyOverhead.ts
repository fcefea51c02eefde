import { measureTarget } from './lib/measure.js';
import { startGatewayProcess, singleMinerModel, startTsxServer } from './lib/gatewayProcess.js';
import type { BenchProcess } from './lib/processes.js';
import { printTable } from './lib/table.js';

/**
 * Issue 2's benchmark: the gateway against a direct call to a local miner and against a
 * bare node:http pass-through proxy, streamed and not, under load and unloaded. The
 * gateway and the proxy each run pinned to core 1; the miner (precomputed answers, so it is
 * cheap) and wrk share core 0.
 * "Capacity on one core" is 1 / (CPU time per request) of the process under test: what it
 * could serve with a whole core, whatever else limited this run's req/s.
 */
export async function runProxyOverheadBench(options: { seconds?: number; connections?: number; sequential?: number } = {}): Promise<Record<string, unknown>> {
  const seconds = options.seconds ?? 8;
  const connections = options.connections ?? 32;
  const sequential = options.sequential ?? 2_000;
  const miner = await startTsxServer('bench/servers/staticMiner.ts', [], 0);
  const proxy = await startTsxServer('bench/servers/bareProxy.ts', [String(miner.port)], 1);
  const floor = await startTsxServer('bench/servers/stackFloor.ts', [String(miner.port)], 1);
  const gateway = await startGatewayProcess({ log: { level: 'info' }, models: { bench: singleMinerModel(miner.port) } }, 1);
  const targets: Array<{ name: string; base: string; proc?: BenchProcess }> = [
    { name: 'direct to miner', base: `http://127.0.0.1:${miner.port}` },
    { name: 'bare node:http proxy', base: `http://127.0.0.1:${proxy.port}`, proc: proxy },
    { name: 'stack floor (Hono+undici+JSON)', base: `http://127.0.0.1:${floor.port}`, proc: floor },
    { name: 'taogate', base: gateway.url, proc: gateway },
  ];
  const rows: Array<Record<string, string | number>> = [];
  const results: Record<string, unknown> = {};
  try {
    for (const stream of [false, true]) {
      const body = JSON.stringify({ model: 'bench', stream, messages: [{ role: 'user', content: 'benchmark prompt' }] });
      for (const target of targets) {
        const measured = await measureTarget(`${target.base}/v1/chat/completions`, body, target.proc, { seconds, connections, sequential });
        const row = { mode: stream ? 'stream' : 'json', target: target.name, ...measured };
        rows.push(row);
        results[`${row.mode}:${target.name}`] = row;
      }
      const direct = results[`${stream ? 'stream' : 'json'}:direct to miner`] as Record<string, number>;
      const bare = results[`${stream ? 'stream' : 'json'}:bare node:http proxy`] as Record<string, number>;
      const stackFloor = results[`${stream ? 'stream' : 'json'}:stack floor (Hono+undici+JSON)`] as Record<string, number>;
      const gw = results[`${stream ? 'stream' : 'json'}:taogate`] as Record<string, number>;
      results[`${stream ? 'stream' : 'json'}:verdict`] = {
        capacityVsProxy: gw['capacity/core req/s']! / bare['capacity/core req/s']!,
        floorVsProxy: stackFloor['capacity/core req/s']! / bare['capacity/core req/s']!,
        addedUnloadedP50Ms: gw['unloaded p50 ms']! - direct['unloaded p50 ms']!,
      };
    }
  } finally {
    await Promise.all([gateway.stop(), proxy.stop(), floor.stop(), miner.stop()]);
  }
  printTable(`Gateway overhead (wrk -c${connections} ${seconds}s per target; ${sequential} sequential requests unloaded)`, rows);
  for (const mode of ['json', 'stream']) {
    const v = results[`${mode}:verdict`] as { capacityVsProxy: number; floorVsProxy: number; addedUnloadedP50Ms: number };
    process.stdout.write(`${mode}: taogate capacity on one core = ${(v.capacityVsProxy * 100).toFixed(0)}% of the bare proxy (goal >= 60%; the stack floor alone: ${(v.floorVsProxy * 100).toFixed(0)}%); added unloaded p50 = ${v.addedUnloadedP50Ms.toFixed(3)} ms (goal <= 0.3 ms)\n`);
  }
  return results;
}
