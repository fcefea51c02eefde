import { measureTarget } from './lib/measure.js';
import { startGatewayProcess, singleMinerModel, startTsxServer } from './lib/gatewayProcess.js';
import type { BenchProcess } from './lib/processes.js';
import { printTable } from './lib/table.js';
import { inRounds, medianOverRounds, type Row, type RoundsResult } from './lib/rounds.js';

/**
 * Issue 2's benchmark: the gateway against a direct call to a local miner and against a
 * bare node:http pass-through proxy, streamed and not, under load and unloaded. The
 * gateway and the proxy each run pinned to core 1; the miner (precomputed answers, so it is
 * cheap) and wrk share core 0.
 * "Capacity on one core" is 1 / (CPU time per request) of the process under test: what it
 * could serve with a whole core, whatever else limited this run's req/s. Targets are measured
 * in interleaved rounds (see lib/rounds.ts): medians are reported, and the ratios to the
 * proxy are medians of per-round ratios.
 */
export async function runProxyOverheadBench(options: { seconds?: number; connections?: number; sequential?: number; rounds?: number } = {}): Promise<Record<string, unknown>> {
  const rounds = options.rounds ?? 3;
  const seconds = options.seconds ?? 5;
  const connections = options.connections ?? 32;
  const sequential = options.sequential ?? 1_000;
  const miner = await startTsxServer('bench/servers/staticMiner.ts', [], 0);
  const proxy = await startTsxServer('bench/servers/bareProxy.ts', [String(miner.port)], 1);
  const floor = await startTsxServer('bench/servers/stackFloor.ts', [String(miner.port)], 1);
  const gateway = await startGatewayProcess({ log: { level: 'info' }, models: { bench: singleMinerModel(miner.port) } }, 1);
  const targets: Array<{ name: string; base: string; proc?: BenchProcess }> = [
    { name: 'direct to miner', base: `http://127.0.0.1:${miner.port}` },
    { name: 'bare node:http proxy', base: `http://127.0.0.1:${proxy.port}`, proc: proxy },
    { name: 'stack floor (Hono+undici, parse+re-emit)', base: `http://127.0.0.1:${floor.port}`, proc: floor },
    { name: 'taogate', base: gateway.url, proc: gateway },
  ];
  const jobs = (['json', 'stream'] as const).flatMap((mode) => {
    const body = JSON.stringify({ model: 'bench', stream: mode === 'stream', messages: [{ role: 'user', content: 'benchmark prompt' }] });
    return targets.map((target) => ({
      key: `${mode}:${target.name}`,
      run: async (): Promise<Row> => ({ mode, target: target.name, ...await measureTarget(`${target.base}/v1/chat/completions`, body, target.proc, { seconds, connections, sequential, warmupSeconds: 1 }) }),
    }));
  });
  let measured: RoundsResult;
  try {
    measured = await inRounds(rounds, jobs);
  } finally {
    await Promise.all([gateway.stop(), proxy.stop(), floor.stop(), miner.stop()]);
  }
  const results: Record<string, unknown> = { rounds, ...measured.median };
  for (const mode of ['json', 'stream']) {
    const capacity = (round: Record<string, Row>, target: string): number => round[`${mode}:${target}`]!['capacity/core req/s'] as number;
    const unloadedP50 = (round: Record<string, Row>, target: string): number => round[`${mode}:${target}`]!['unloaded p50 ms'] as number;
    results[`${mode}:verdict`] = {
      capacityVsProxy: medianOverRounds(measured, (r) => capacity(r, 'taogate') / capacity(r, 'bare node:http proxy')),
      floorVsProxy: medianOverRounds(measured, (r) => capacity(r, 'stack floor (Hono+undici, parse+re-emit)') / capacity(r, 'bare node:http proxy')),
      addedUnloadedP50Ms: medianOverRounds(measured, (r) => unloadedP50(r, 'taogate') - unloadedP50(r, 'direct to miner')),
      proxyAddedUnloadedP50Ms: medianOverRounds(measured, (r) => unloadedP50(r, 'bare node:http proxy') - unloadedP50(r, 'direct to miner')),
    };
  }
  printTable(`Gateway overhead (medians of ${rounds} interleaved rounds; per round and target wrk -c${connections} ${seconds}s, ${sequential} sequential requests unloaded)`, Object.values(measured.median));
  for (const mode of ['json', 'stream']) {
    const v = results[`${mode}:verdict`] as { capacityVsProxy: number; floorVsProxy: number; addedUnloadedP50Ms: number; proxyAddedUnloadedP50Ms: number };
    process.stdout.write(`${mode}: taogate capacity on one core = ${(v.capacityVsProxy * 100).toFixed(0)}% of the bare proxy (goal >= 60%; the stack floor alone: ${(v.floorVsProxy * 100).toFixed(0)}%); added unloaded p50 = ${v.addedUnloadedP50Ms.toFixed(3)} ms (goal <= 0.3 ms; the bare proxy adds ${v.proxyAddedUnloadedP50Ms.toFixed(3)} ms)\n`);
  }
  return results;
}
