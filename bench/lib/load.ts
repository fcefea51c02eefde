import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Pool } from 'undici';

const run = promisify(execFile);

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/**
 * Closed-loop load from wrk (a C load generator, so the generator is not the bottleneck):
 * `connections` clients each sending the next request as soon as the last completed.
 */
export async function wrkLoad(url: string, body: string, options: { connections: number; seconds: number; core?: number }): Promise<LoadResult> {
  return runWrk(url, `wrk.body = ${JSON.stringify(body)}`, options);
}

/**
 * Runs wrk (one thread) with a Lua script: the POST method, a JSON content type and the
 * given request lines, plus a `done` hook that prints the result in a form parsed here.
 */
export async function runWrk(url: string, requestLua: string, options: { connections: number; seconds: number; core?: number }): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'taogate-wrk-'));
  const script = join(dir, 'post.lua');
  writeFileSync(script, `
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
${requestLua}
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %d %f %f %f %d\\n", summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
`);
  const args = ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--timeout', '10s', '-s', script, url];
  const { stdout } = options.core === undefined
    ? await run('wrk', args, { maxBuffer: 1 << 20 })
    : await run('taskset', ['-c', String(options.core), 'wrk', ...args], { maxBuffer: 1 << 20 });
  const match = stdout.match(/RESULT (\d+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/);
  if (match === null) throw new Error(`wrk said: ${stdout}`);
  const requests = Number(match[1]);
  const seconds = Number(match[2]);
  return { requests, seconds, rps: requests / seconds, p50Ms: Number(match[3]), p99Ms: Number(match[4]), errors: Number(match[5]) };
}

/**
 * Unloaded latency: one request at a time over one keep-alive connection. `body` may be a
 * function of the request's index (a different body each time, so a cache never hits).
 */
export async function sequentialLatency(url: string, body: string | ((i: number) => string), count: number): Promise<{ p50Ms: number; p99Ms: number; errors: number }> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: 1 });
  const samples: number[] = [];
  let errors = 0;
  try {
    for (let i = 0; i < count + 100; i++) {
      const started = process.hrtime.bigint();
      const response = await pool.request({ path: target.pathname, method: 'POST', body: typeof body === 'string' ? body : body(i), headers: { 'content-type': 'application/json' } });
      await response.body.arrayBuffer();
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (response.statusCode !== 200) errors++;
      if (i >= 100) samples.push(ms); // the first 100 warm up JIT and connections
    }
  } finally {
    await pool.close();
  }
  return { p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99), errors };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
