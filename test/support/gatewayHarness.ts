import OpenAI from 'openai';
import { Writable } from 'node:stream';
import { parseConfig, deepMerge } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { buildGateway, type BuildOptions, type GatewayParts } from '../../src/gateway/build.js';
import { runGateway, type RunningGateway } from '../../src/gateway/run.js';
import { createLogger } from '../../src/logging/logger.js';
import type { ScriptedMiner } from './scriptedMiner.js';

export const TEST_MODEL = 'test-model';

export interface TestGateway {
  url: string;
  running: RunningGateway;
  parts: GatewayParts;
  /** The official OpenAI client pointed at the gateway (no retries: tests see every error). */
  client: OpenAI;
  /** Every log line the gateway wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/**
 * A static-pool model entry for these miners. Miners get descending validator scores in
 * list order, so a fresh gateway asks them in that order (deterministic tests), and the
 * `single` strategy unless `extra` says otherwise.
 */
export function staticModel(miners: Array<Pick<ScriptedMiner, 'uid' | 'hotkey' | 'port'>>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return deepMerge({
    netuid: 1,
    protocol: 'openai',
    fanout: { strategy: 'single' },
    source: { type: 'static', miners: miners.map((m, i) => ({ uid: m.uid, hotkey: m.hotkey, host: '127.0.0.1', port: m.port, score: Math.max(0.05, 1 - i * 0.1) })) },
    timeouts: { connectMs: 500, firstByteMs: 1_000, idleMs: 500, totalMs: 5_000 },
  }, extra) as Record<string, unknown>;
}

/**
 * Starts a real gateway on 127.0.0.1 port 0 with this config (merged over test defaults: open access unless the test sets auth); `build` adds build options (e.g. a Redis client).
 * No load balancer holds its connections, so stopping closes idle ones at once (`shutdownIdleMs: 0`).
 */
export async function startTestGateway(config: ConfigInput | Record<string, unknown>, build: Omit<BuildOptions, 'logger'> = {}): Promise<TestGateway> {
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const parsed = parseConfig(deepMerge({ server: { port: 0, shutdownIdleMs: 0 }, network: { allowCidrs: ['127.0.0.0/8'] }, log: { level: 'info' }, auth: { mode: 'open' } }, config));
  const parts = buildGateway(parsed, { ...build, logger: createLogger(parsed.log.level, sink) });
  const running = await runGateway(parts);
  const client = new OpenAI({ baseURL: `${running.url}/v1`, apiKey: 'test-key', maxRetries: 0, timeout: 20_000 });
  return { url: running.url, running, parts, client, logs, stop: () => running.stop(2_000) };
}
