/**
 * Metagraph speed: a full refresh (read + decode + eligibility) of the 1024-neuron SN1
 * recording through a real @polkadot/api against the replay server, the event-loop delay it
 * causes, and decode-only / eligibility-only times.
 *
 *   npx tsx bench/metagraph.ts
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { hexToU8a } from '@polkadot/util';
import { connectChain } from '../src/metagraph/chain/connection.js';
import { decodeNeuronsLite } from '../src/metagraph/chain/decodeNeurons.js';
import { createChainReader } from '../src/metagraph/chain/reader.js';
import { buildMinerSnapshot } from '../src/metagraph/eligibility.js';
import { silentLogger } from '../src/metagraph/logger.js';
import { createAddressGuard } from '../src/net/addressGuard.js';
import { loadRecording, RECORDED_BLOCK_HASH, startChainReplay } from '../test/support/chainReplay.js';
import { recordedNeuronsHex } from '../test/support/neuronFixtures.js';

export interface LoopDelay { loopDelayMaxMs: number; loopDelayP99Ms: number }
export interface MetagraphBenchResult {
  neurons: number;
  /** First refresh in the process: connect (@polkadot initialises from 1.2 MB of metadata), cold JIT. */
  coldRefresh: { ms: number } & LoopDelay;
  /** Refresh that has to connect again, in a warm process (recovery after losing the chain). */
  reconnectRefresh: { ms: number } & LoopDelay;
  /** Read + decode + eligibility, connection already open (what every periodic refresh costs). */
  refresh: { medianMs: number; slowestMs: number } & LoopDelay;
  /** Decoding the 186 KB answer as the reader does (sliced), and in one go for comparison. */
  decode: { slicedMedianMs: number; unslicedMedianMs: number } & LoopDelay;
  eligibility: { medianMs: number; p99Ms: number };
  /** Answer sizes: get_neurons_lite vs get_selective_mechagraph with every field (both recorded). */
  answerBytes: { neuronsLite: number; selectiveMechagraphAll: number };
}

const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
const round = (x: number): number => Math.round(x * 100) / 100;
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
}

async function measured<T>(work: () => Promise<T>): Promise<{ value: T; ms: number } & LoopDelay> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = performance.now();
  const value = await work();
  const elapsed = performance.now() - t0;
  h.disable();
  return { value, ms: round(elapsed), ...delayOf(h) };
}

/** Runs the benchmark against a fresh replay server; `runs` refreshes after one warm-up. */
export async function runMetagraphBench(runs = 10): Promise<MetagraphBenchResult> {
  const replay = await startChainReplay();
  try {
    const reader = createChainReader({ endpoint: replay.url });
    const guard = createAddressGuard();
    const refreshOnce = async () => buildMinerSnapshot(await reader.readNeurons(1), {}, guard);
    const cold = await measured(refreshOnce);
    const connection = await connectChain(replay.url, { logger: silentLogger });
    const registry = (await connection.api.at(RECORDED_BLOCK_HASH)).registry;
    await connection.close();
    const refreshes: number[] = [];
    const refreshDelay = monitorEventLoopDelay({ resolution: 1 });
    refreshDelay.enable();
    for (let i = 0; i < runs; i += 1) {
      const t0 = performance.now();
      await refreshOnce();
      refreshes.push(performance.now() - t0);
    }
    refreshDelay.disable();
    const snapshot = await reader.readNeurons(1);
    await reader.close();
    // The reader connects again: what a recovery after losing the chain costs in a warm process.
    const reconnect = await measured(refreshOnce);
    await reader.close();

    const bytes = hexToU8a(recordedNeuronsHex());
    const element = 'PalletSubtensorRpcInfoNeuronInfoNeuronInfoLite';
    const sliced: Array<{ ms: number } & LoopDelay> = [];
    const unsliced: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      sliced.push(await measured(() => decodeNeuronsLite(registry, element, bytes)));
      unsliced.push((await measured(() => decodeNeuronsLite(registry, element, bytes, { sliceMs: Number.POSITIVE_INFINITY }))).ms);
    }

    const eligibility: number[] = [];
    for (let i = 0; i < 50; i += 1) buildMinerSnapshot(snapshot, {}, guard);
    for (let i = 0; i < 500; i += 1) {
      const t0 = performance.now();
      buildMinerSnapshot(snapshot, { dedupe: 'coldkey' }, guard);
      eligibility.push(performance.now() - t0);
    }

    const calls = loadRecording().responses['state_call'] ?? {};
    const size = (fn: string): number => {
      const hex = Object.entries(calls).find(([params]) => params.includes(fn))?.[1].result as string | undefined;
      return hex ? (hex.length - 2) / 2 : 0;
    };
    return {
      neurons: snapshot.neurons.length,
      coldRefresh: { ms: cold.ms, loopDelayMaxMs: cold.loopDelayMaxMs, loopDelayP99Ms: cold.loopDelayP99Ms },
      reconnectRefresh: { ms: reconnect.ms, loopDelayMaxMs: reconnect.loopDelayMaxMs, loopDelayP99Ms: reconnect.loopDelayP99Ms },
      refresh: { medianMs: quantile(refreshes, 0.5), slowestMs: round(Math.max(...refreshes)), ...delayOf(refreshDelay) },
      decode: {
        slicedMedianMs: quantile(sliced.map((d) => d.ms), 0.5),
        unslicedMedianMs: quantile(unsliced, 0.5),
        loopDelayMaxMs: Math.max(...sliced.map((d) => d.loopDelayMaxMs)),
        loopDelayP99Ms: quantile(sliced.map((d) => d.loopDelayP99Ms), 0.5),
      },
      eligibility: { medianMs: quantile(eligibility, 0.5), p99Ms: quantile(eligibility, 0.99) },
      answerBytes: { neuronsLite: size('get_neurons_lite'), selectiveMechagraphAll: size('get_selective_mechagraph') },
    };
  } finally {
    await replay.close();
  }
}

function delayOf(h: ReturnType<typeof monitorEventLoopDelay>): LoopDelay {
  return { loopDelayMaxMs: ms(h.max), loopDelayP99Ms: ms(h.percentile(99)) };
}

/** Prints a result as the table `npx tsx bench/metagraph.ts` shows. */
export function printMetagraphBench(r: MetagraphBenchResult): void {
  const rows: Array<[string, string, string, string]> = [
    ['first refresh in process (connect, cold)', `${r.coldRefresh.ms} ms`, `${r.coldRefresh.loopDelayMaxMs} ms`, `${r.coldRefresh.loopDelayP99Ms} ms`],
    ['refresh with reconnect (warm process)', `${r.reconnectRefresh.ms} ms`, `${r.reconnectRefresh.loopDelayMaxMs} ms`, `${r.reconnectRefresh.loopDelayP99Ms} ms`],
    [`refresh: read+decode+eligibility (${r.neurons})`, `${r.refresh.medianMs} ms (max ${r.refresh.slowestMs})`, `${r.refresh.loopDelayMaxMs} ms`, `${r.refresh.loopDelayP99Ms} ms`],
    ['decode only, sliced (as used)', `${r.decode.slicedMedianMs} ms`, `${r.decode.loopDelayMaxMs} ms`, `${r.decode.loopDelayP99Ms} ms`],
    ['decode only, one go (blocks)', `${r.decode.unslicedMedianMs} ms`, '-', '-'],
    ['eligibility only (dedupe coldkey)', `${r.eligibility.medianMs} ms (p99 ${r.eligibility.p99Ms})`, '-', '-'],
  ];
  const header: [string, string, string, string] = ['step', 'median time', 'loop delay max', 'loop delay p99'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (c: string[]): string => c.map((v, i) => v.padEnd(widths[i] as number)).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  console.log(`answer bytes: get_neurons_lite ${r.answerBytes.neuronsLite}, get_selective_mechagraph (all fields) ${r.answerBytes.selectiveMechagraphAll}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printMetagraphBench(await runMetagraphBench());
}
