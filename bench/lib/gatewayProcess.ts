import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startProcess, type BenchProcess } from './processes.js';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Starts the compiled gateway (`node bin/taogate.js serve`) with a config object. */
export async function startGatewayProcess(config: Record<string, unknown>, core?: number, env: NodeJS.ProcessEnv = {}): Promise<BenchProcess & { url: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'taogate-bench-'));
  const path = join(dir, 'config.yaml');
  writeFileSync(path, stringify({ server: { host: '127.0.0.1', port: 0 }, network: { allowCidrs: ['127.0.0.0/8'] }, auth: { mode: 'open' }, ...config }));
  const proc = await startProcess([join(ROOT, 'bin/taogate.js'), 'serve', '--config', path], {
    ...(core === undefined ? {} : { core }),
    env,
    readyPattern: /"url":"(http:\/\/[^"]+)","msg":"taogate listening"/,
  });
  return { ...proc, url: proc.ready[1]! };
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
