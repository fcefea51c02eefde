import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGateway, type GatewayProcess } from './support/gatewayProcess.js';
import { startNginx, type NginxHandle } from './support/nginxServer.js';
import { freePort } from './support/ports.js';
import { startRedisServer, type RedisServerHandle } from './support/redisServer.js';
import { startScriptedMiner, type ScriptedMiner } from './support/scriptedMiner.js';
import { startSteadyLoad, type LoadOutcome } from './support/steadyLoad.js';

/**
 * deploy/nginx/taogate.conf, run by Debian's nginx on loopback, in front of two real
 * `taogate serve` processes sharing one redis-server. While a steady load of streamed and
 * non-streamed completions runs, each replica in turn gets SIGTERM, drains, exits and is
 * started again: not one request may fail and not one stream may end early.
 */

const MODEL = 'lb-model';
const ANSWER_WORDS = 24;
/** Streams take ~24 × 30 ms: several are always in flight on each replica when it is told to stop. */
const TOKEN_DELAY_MS = 30;

let redis: RedisServerHandle;
let miners: ScriptedMiner[] = [];
let nginx: NginxHandle | undefined;
let dir: string;
const replicas: Array<{ port: number; proc: GatewayProcess }> = [];

function accessEntries(): Array<{ addrs: string[]; sent: string[]; status: number; uri: string; requestId: string }> {
  return nginx!.accessLog().map((e) => ({
    addrs: String(e.upstream_addr).split(', '),
    sent: String(e.upstream_bytes_sent).split(', '),
    status: Number(e.status),
    uri: String(e.uri),
    requestId: String(e.request_id),
  }));
}

/** How many completions nginx got answered by the replica on `port` so far (last attempt). */
function servedBy(port: number): number {
  return accessEntries().filter((e) => e.uri === '/v1/chat/completions' && e.status === 200 && e.addrs.at(-1) === `127.0.0.1:${port}`).length;
}

async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  redis = await startRedisServer();
  miners = await Promise.all([1, 2].map((uid) => startScriptedMiner(uid, { kind: 'ok', latencyMs: 10, tokenDelayMs: TOKEN_DELAY_MS, answerWords: ANSWER_WORDS })));
  dir = mkdtempSync(join(tmpdir(), 'taogate-lb-'));
  const config = {
    server: { shutdownGraceMs: 15_000 },
    log: { level: 'info' },
    network: { allowCidrs: ['127.0.0.0/8'] },
    models: {
      [MODEL]: {
        netuid: 1,
        protocol: 'openai',
        fanout: { strategy: 'single' },
        source: { type: 'static', miners: miners.map((m) => ({ uid: m.uid, hotkey: m.hotkey, host: '127.0.0.1', port: m.port })) },
        timeouts: { connectMs: 1_000, firstByteMs: 5_000, idleMs: 5_000, totalMs: 15_000 },
      },
    },
  };
  writeFileSync(join(dir, 'config.yaml'), stringify(config));
  const ports = [await freePort(), await freePort()];
  for (const port of ports) replicas.push({ port, proc: spawnGateway(join(dir, 'config.yaml'), port) });
  await Promise.all(replicas.map((r) => r.proc.waitReady()));
  nginx = await startNginx(await freePort(), ports);
}, 60_000);

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.proc.kill()));
  await nginx?.stop();
  await Promise.all(miners.map((m) => m.close()));
  await redis?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('two replicas behind nginx, restarted one after the other under load', () => {
  it('lose no request and cut no stream', async () => {
    const load = startSteadyLoad({ url: nginx!.url, model: MODEL, workers: 8, pauseMs: 10, answerWords: ANSWER_WORDS });
    const restarts: Array<{ port: number; drainMs: number; inFlightAtSignal: unknown; downMs: number; backInMs: number }> = [];
    try {
      await until('both replicas serving through nginx', () => replicas.every((r) => servedBy(r.port) >= 3), 15_000);
      for (const replica of replicas) {
        const old = replica.proc;
        const signalledAt = Date.now();
        old.signal('SIGTERM');
        const exit = await old.exited;
        const drainMs = Date.now() - signalledAt;
        expect(exit, old.output()).toEqual({ code: 0, signal: null });
        expect(old.logs.some((l) => l.msg === 'grace period over; closing remaining connections')).toBe(false);
        const inFlightAtSignal = old.logs.find((l) => l.msg === 'draining')?.inFlight;

        replica.proc = spawnGateway(join(dir, 'config.yaml'), replica.port);
        await replica.proc.waitReady();
        const downMs = Date.now() - signalledAt;
        const before = servedBy(replica.port);
        await until(`nginx sending traffic to the restarted replica on ${replica.port}`, () => servedBy(replica.port) >= before + 3, 20_000);
        restarts.push({ port: replica.port, drainMs, inFlightAtSignal, downMs, backInMs: Date.now() - signalledAt });
      }
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await load.stop();
    }

    const outcomes: LoadOutcome[] = load.outcomes;
    const failed = outcomes.filter((o) => !o.ok);
    const entries = accessEntries().filter((e) => e.uri === '/v1/chat/completions');
    const retried = entries.filter((e) => e.addrs.length > 1);
    // A retry after nginx had written the request to a replica (bytes sent > 0 on a failed
    // attempt) means a replica dropped a request it had accepted: the drain must prevent that.
    const retriedAfterSend = retried.filter((e) => e.sent.slice(0, -1).some((b) => Number(b) > 0));
    const summary = {
      requests: outcomes.length,
      streams: outcomes.filter((o) => o.stream).length,
      failed: failed.length,
      nginxRetriesAfterRefusedConnect: retried.length - retriedAfterSend.length,
      nginxRetriesAfterSend: retriedAfterSend.length,
      restarts,
    };
    console.log(`load-balancer rolling restart: ${JSON.stringify(summary)}`);
    if (retriedAfterSend.length > 0) console.log('retried after send:', JSON.stringify(retriedAfterSend), nginx!.errorLog().split('\n').filter((l) => !/connect\(\) failed|temporarily disabled/.test(l)).join('\n'));
    expect(failed, JSON.stringify(failed.slice(0, 5), null, 2)).toEqual([]);
    expect(retriedAfterSend).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(100);
    expect(outcomes.filter((o) => o.stream && o.ok).length).toBeGreaterThan(50);
    // Streams were under way on the replicas when they were told to stop, and finished.
    expect(restarts.some((r) => Number(r.inFlightAtSignal) > 0)).toBe(true);
  }, 120_000);
});
