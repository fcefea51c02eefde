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
 * started again: not one request may fail and not one stream may end early. Both replicas
 * answer from the cache they share through Redis.
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
  return nginx!.accessLog().map((e) => {
    // The retry checks read these fields: a log format without them must fail, not pass empty.
    expect(e).toHaveProperty('upstream_bytes_sent');
    expect(e).toHaveProperty('upstream_addr');
    return {
    addrs: String(e.upstream_addr).split(', '),
    sent: String(e.upstream_bytes_sent).split(', '),
    status: Number(e.status),
    uri: String(e.uri),
    requestId: String(e.request_id),
    };
  });
}

/** How many completions nginx got answered by the replica on `port` so far (last attempt). */
function servedBy(port: number): number {
  return accessEntries().filter((e) => e.uri === '/v1/chat/completions' && e.status === 200 && e.addrs.at(-1) === `127.0.0.1:${port}`).length;
}

/** `taogate_cache_requests_total{result="HIT"}` of one replica, summed over models. */
async function cacheHits(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(/^taogate_cache_requests_total\{[^}]*result="HIT"[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

interface Completion { choices: Array<{ message: { content: string } }> }
function contentOf(sse: string): string {
  return sse.split('\n\n').filter((b) => b.startsWith('data: {')).map((b) => (JSON.parse(b.slice(6)) as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta?.content ?? '').join('');
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
    // One Redis for both: cached answers, coalescing locks, telemetry and limits are shared.
    redis: { url: redis.url },
    auth: { mode: 'open' },
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

describe('two replicas behind nginx, sharing one Redis', () => {
  it('restarted one after the other under load, lose no request and cut no stream', async () => {
    // Every third request is a deterministic one (temperature 0) from a small set of prompts:
    // cacheable, so replicas answer them from the shared cache, streamed or not.
    const load = startSteadyLoad({
      url: nginx!.url, model: MODEL, workers: 8, pauseMs: 10, answerWords: ANSWER_WORDS,
      prompt: (worker, n) => (n % 3 === 2 ? `shared question ${(worker + n) % 8}` : `steady load ${worker}-${n}-${Math.random()}`),
      extra: (_worker, n) => (n % 3 === 2 ? { temperature: 0 } : {}),
    });
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
      cacheHits: outcomes.filter((o) => o.cache === 'HIT').length,
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
    // Both restarted replicas (empty memory, the cache is in Redis) answered from the cache.
    expect(summary.cacheHits).toBeGreaterThan(20);
    for (const replica of replicas) expect(await cacheHits(replica.proc.url), replica.proc.url).toBeGreaterThan(0);
  }, 120_000);

  it('answer from the shared cache what the other replica stored, streamed or not', async () => {
    for (const [first, second] of [[replicas[0]!, replicas[1]!], [replicas[1]!, replicas[0]!]] as const) {
      for (const stream of [false, true]) {
        const body = { model: MODEL, stream, temperature: 0, messages: [{ role: 'user', content: `asked of ${first.port} first, stream ${stream}` }] };
        const ask = (url: string) => fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const stored = await ask(first.proc.url);
        expect(stored.headers.get('x-taogate-cache')).toBe('MISS');
        const text = await stored.text();
        const asked = miners.reduce((sum, m) => sum + m.requests.length, 0);
        const hit = await ask(second.proc.url);
        expect(hit.headers.get('x-taogate-cache')).toBe('HIT');
        expect(hit.headers.get('x-taogate-miners-asked')).toBe('0');
        expect(miners.reduce((sum, m) => sum + m.requests.length, 0)).toBe(asked);
        const again = await hit.text();
        if (stream) expect(again.endsWith('data: [DONE]\n\n') && contentOf(again) === contentOf(text)).toBe(true);
        else expect((JSON.parse(again) as Completion).choices[0]!.message.content).toBe((JSON.parse(text) as Completion).choices[0]!.message.content);
      }
    }
  });
});
