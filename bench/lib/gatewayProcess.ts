import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startProcess, type BenchProcess } from './processes.js';
import { freePort } from '../../test/support/ports.js';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Starts the compiled gateway (`node bin/taogate.js serve`) with a config object. */
export async function startGatewayProcess(config: Record<string, unknown>, core?: number, env: NodeJS.ProcessEnv = {}): Promise<BenchProcess & { url: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'taogate-bench-'));
  const path = join(dir, 'config.yaml');
  const port = await freePort();
  const server = { host: '127.0.0.1', port, ...(config.server as Record<string, unknown> | undefined) };
  writeFileSync(path, stringify({ network: { allowCidrs: ['127.0.0.0/8'] }, auth: { mode: 'open' }, ...config, server }));
  const proc = await startProcess([join(ROOT, 'bin/taogate.js'), 'serve', '--config', path], {
    ...(core === undefined ? {} : { core }),
    env,
    quiet: true,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url);
  return { ...proc, url, gcPauseMs: () => readGcPauseMs(url) };
}

/**
 * Main-thread garbage-collection pauses so far (prom-client's `nodejs_gc_duration_seconds`,
 * every kind), in ms. A CPU profile hides much of this cost, so the benchmarks report it: a
 * `Set` that made every request survive into the old generation once cost 8.6 µs of pauses
 * per cache hit (against ~1.5 after the fix), plus the helper threads' marking.
 */
async function readGcPauseMs(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let seconds = 0;
  for (const match of text.matchAll(/^nodejs_gc_duration_seconds_sum\{[^}]*\} ([0-9.e+-]+)$/gm)) seconds += Number(match[1]);
  return seconds * 1000;
}

/** Polls /readyz until the gateway takes traffic (the log level may hide its start-up line). */
async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`gateway at ${url} not ready`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts a bench server script under tsx; it prints `listening <port>`. */
export async function startTsxServer(script: string, args: string[], core?: number): Promise<BenchProcess & { port: number }> {
  const proc = await startProcess(['--import', 'tsx', join(ROOT, script), ...args], {
    ...(core === undefined ? {} : { core }),
    readyPattern: /listening (\d+)/,
  });
  return { ...proc, port: Number(proc.ready[1]) };
}

/** A static single-miner model for the benchmarks. */
export function singleMinerModel(port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    netuid: 1,
    protocol: 'openai',
    source: { type: 'static', miners: [{ uid: 1, hotkey: 'bench-miner', host: '127.0.0.1', port }] },
    ...extra,
  };
}
