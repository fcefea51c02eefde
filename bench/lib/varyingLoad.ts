import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { runWrk, sequentialLatency, type LoadResult } from './load.js';
import { createServer } from 'node:net';

const run = promisify(execFile);

/**
 * Like wrkLoad, but every request's body is different: `{n}` in the template is replaced by
 * a counter (wrk runs one thread, so the counter is shared by all connections): a cache never hits.
 */
export async function wrkLoadVarying(url: string, template: string, options: { connections: number; seconds: number; core?: number; salt: string }): Promise<LoadResult> {
  const [before, after] = template.split('{n}');
  return runWrk(url, `
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, ${JSON.stringify(before)} .. ${JSON.stringify(options.salt)} .. counter .. ${JSON.stringify(after)})
end`, options);
}

/** Unloaded latency with a different body each time (`{n}` replaced by a counter). */
export function sequentialLatencyVarying(url: string, template: string, count: number, salt: string): Promise<{ p50Ms: number; p99Ms: number; errors: number }> {
  return sequentialLatency(url, (i) => template.replace('{n}', `${salt}-seq-${i}`), count);
}

/** A redis-server for a benchmark, pinned to one core, without persistence. */
export async function startBenchRedis(core?: number): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'];
  const child = core === undefined ? spawn('redis-server', args, { stdio: 'ignore' }) : spawn('taskset', ['-c', String(core), 'redis-server', ...args], { stdio: 'ignore' });
  const onExit = (): void => { child.kill('SIGKILL'); };
  process.once('exit', onExit);
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const { stdout } = await run('redis-cli', ['-p', String(port), 'PING']);
      if (stdout.trim() === 'PONG') break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error('redis-server did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => {
      process.off('exit', onExit);
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
