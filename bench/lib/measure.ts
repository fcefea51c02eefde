import { sequentialLatency, wrkLoad } from './load.js';
import type { BenchProcess } from './processes.js';

/** One target measured the same way everywhere: unloaded latency, loaded throughput, CPU per request. */
export interface TargetMeasurement {
  'req/s': number;
  'p50 ms': number;
  'p99 ms': number;
  errors: number;
  'unloaded p50 ms': number;
  'unloaded p99 ms': number;
  'CPU µs/req': number | '-';
  'capacity/core req/s': number | '-';
  /** Main-thread garbage-collection pauses per request under load (gateways only). */
  'GC pause µs/req': number | '-';
}

/**
 * Measures one URL: `sequential` requests one at a time (unloaded latency), then wrk with
 * `connections` for `seconds` (throughput and loaded latency). When the serving process is
 * given, its CPU time per request is read from /proc: "capacity on one core" = 1e6 / that.
 */
export async function measureTarget(url: string, body: string, proc: BenchProcess | undefined, options: { seconds: number; connections: number; sequential: number; warmupSeconds?: number }): Promise<TargetMeasurement> {
  // Warm-up (JIT, connection pools), the same for every target, before anything is measured.
  await wrkLoad(url, body, { connections: options.connections, seconds: options.warmupSeconds ?? 2, core: 0 });
  const unloaded = await sequentialLatency(url, body, options.sequential);
  const gcBefore = await proc?.gcPauseMs?.();
  const cpuBefore = proc?.cpuMs() ?? 0;
  const loaded = await wrkLoad(url, body, { connections: options.connections, seconds: options.seconds, core: 0 });
  const cpuUs = proc === undefined ? undefined : ((proc.cpuMs() - cpuBefore) * 1000) / loaded.requests;
  const gcAfter = await proc?.gcPauseMs?.();
  return {
    'req/s': loaded.rps,
    'p50 ms': loaded.p50Ms,
    'p99 ms': loaded.p99Ms,
    errors: loaded.errors + unloaded.errors,
    'unloaded p50 ms': unloaded.p50Ms,
    'unloaded p99 ms': unloaded.p99Ms,
    'CPU µs/req': cpuUs ?? '-',
    'capacity/core req/s': cpuUs === undefined ? '-' : 1e6 / cpuUs,
    'GC pause µs/req': gcBefore === undefined || gcAfter === undefined ? '-' : ((gcAfter - gcBefore) * 1000) / loaded.requests,
  };
}
