import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { Client } from 'undici';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerFor } from '../src/miner/referenceMiner.js';
import { spawnGateway, type GatewayProcess } from './support/gatewayProcess.js';
import { freePort } from './support/ports.js';
import { startScriptedMiner, type ScriptedMiner } from './support/scriptedMiner.js';

/**
 * `taogate serve` and SIGTERM, as a process: readiness turns 503 at once, the port stops
 * taking connections, what is under way finishes (up to server.shutdownGraceMs), and a
 * second signal ends the process at once.
 */

const MODEL = 'drain-model';
const WORDS = 20;
let dir: string;
let miner: ScriptedMiner;
const gateways: GatewayProcess[] = [];

/** A gateway process with config overrides given the way operators give them: environment variables. */
async function gateway(env: Record<string, string>): Promise<GatewayProcess> {
  const proc = spawnGateway(join(dir, 'config.yaml'), await freePort(), env);
  gateways.push(proc);
  return proc;
}

/** A streamed completion that is under way (its first bytes arrived) when this resolves. */
async function streamUnderWay(url: string, prompt: string): Promise<{ rest: Promise<string>; expected: string }> {
  const body = { model: MODEL, stream: true, messages: [{ role: 'user', content: prompt }] };
  const response = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = decoder.decode((await reader.read()).value);
  const rest = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return text;
        text += decoder.decode(value);
      }
    } catch {
      return text; // cut: what arrived is the answer
    }
  })();
  return { rest, expected: answerFor('chat', body, { answerWords: WORDS }).pieces.join('') };
}

function contentOf(sse: string): string {
  return sse.split('\n\n').filter((b) => b.startsWith('data: {')).map((b) => (JSON.parse(b.slice(6)) as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta?.content ?? '').join('');
}

const logIndex = (proc: GatewayProcess, msg: string): number => proc.logs.findIndex((l) => l.msg === msg);

beforeAll(async () => {
  // ~100 ms between tokens: a stream lasts about two seconds.
  miner = await startScriptedMiner(1, { kind: 'ok', tokenDelayMs: 100, answerWords: WORDS });
  dir = mkdtempSync(join(tmpdir(), 'taogate-drain-'));
  writeFileSync(join(dir, 'config.yaml'), stringify({
    network: { allowCidrs: ['127.0.0.0/8'] },
    auth: { mode: 'open' },
    models: { [MODEL]: { netuid: 1, protocol: 'openai', fanout: { strategy: 'single' }, source: { type: 'static', miners: [{ uid: 1, hotkey: miner.hotkey, host: '127.0.0.1', port: miner.port }] } } },
  }));
});

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.kill()));
  await miner?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('SIGTERM', () => {
  it('turns /readyz 503 at once, refuses new connections, lets the stream under way finish, then exits 0', async () => {
    const gw = await gateway({ TAOGATE__server__shutdownIdleMs: '500' });
    await gw.waitReady();
    // One kept-alive connection, opened before the signal, as a load balancer holds them.
    const kept = new Client(gw.url);
    const readyz = async () => {
      const r = await kept.request({ path: '/readyz', method: 'GET' });
      await r.body.text();
      return { status: r.statusCode, connection: r.headers.connection };
    };
    expect((await readyz()).status).toBe(200);
    const stream = await streamUnderWay(gw.url, 'drain me');

    const signalledAt = Date.now();
    gw.signal('SIGTERM');
    let answer = await readyz();
    // The signal and this request race each other into the process: ask until it says 503.
    while (answer.status === 200 && Date.now() - signalledAt < 2_000) answer = await readyz();
    const notReadyAfterMs = Date.now() - signalledAt;
    expect(answer).toEqual({ status: 503, connection: 'close' });
    expect(notReadyAfterMs).toBeLessThan(1_000);
    await kept.close();

    // The port takes no new connection any more.
    const connect = await new Promise<string>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port: Number(new URL(gw.url).port) });
      socket.once('connect', () => { socket.destroy(); resolve('connected'); });
      socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(connect).toBe('ECONNREFUSED');

    // The stream that was under way is complete, and the process exits cleanly after it.
    const sse = await stream.rest;
    expect(sse.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(contentOf(sse)).toBe(stream.expected);
    expect(await gw.exited).toEqual({ code: 0, signal: null });
    const order = ['signal received: shutting down gracefully', 'draining', 'drained', 'stopped'].map((m) => logIndex(gw, m));
    expect(order.every((i) => i >= 0), JSON.stringify(gw.logs.map((l) => l.msg))).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(gw.logs[logIndex(gw, 'draining')]).toMatchObject({ inFlight: 1 });
  }, 30_000);

  it('cuts what is still running when server.shutdownGraceMs is over, and still exits 0', async () => {
    const gw = await gateway({ TAOGATE__server__shutdownGraceMs: '300', TAOGATE__server__shutdownIdleMs: '0' });
    await gw.waitReady();
    const stream = await streamUnderWay(gw.url, 'too long to wait for');
    const signalledAt = Date.now();
    gw.signal('SIGTERM');
    expect(await gw.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(1_500);
    expect(gw.logs.find((l) => l.msg === 'grace period over; closing remaining connections')).toMatchObject({ leftOver: 1 });
    const sse = await stream.rest;
    expect(sse.endsWith('data: [DONE]\n\n')).toBe(false);
  }, 30_000);

  it('a second signal while draining exits at once', async () => {
    const gw = await gateway({ TAOGATE__server__shutdownGraceMs: '20000' });
    await gw.waitReady();
    const stream = await streamUnderWay(gw.url, 'an operator in a hurry');
    gw.signal('SIGTERM');
    const deadline = Date.now() + 2_000;
    while (logIndex(gw, 'draining') < 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(logIndex(gw, 'draining')).toBeGreaterThanOrEqual(0);
    const secondAt = Date.now();
    gw.signal('SIGINT');
    expect(await gw.exited).toEqual({ code: 130, signal: null });
    expect(Date.now() - secondAt).toBeLessThan(500);
    expect(gw.logs.some((l) => l.msg === 'second signal: exiting now')).toBe(true);
    expect((await stream.rest).endsWith('data: [DONE]\n\n')).toBe(false);
  }, 30_000);
});
