import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MinerEntry } from '../src/metagraph/types.js';
import { createLogger } from '../src/logging/logger.js';
import { Telemetry } from '../src/routing/telemetry.js';
import { RedisTelemetrySync } from '../src/state/telemetrySync.js';
import { MinerError } from '../src/transport/minerError.js';
import { startRedisServer, type RedisServerHandle } from './support/redisServer.js';
import { Writable } from 'node:stream';

const miner: MinerEntry = { uid: 7, hotkey: 'hk-shared', coldkey: null, host: 'h', port: 1, validatorScore: 1, eligible: true };

describe('telemetry shared between replicas through Redis', () => {
  let redis: RedisServerHandle;
  let clients: Redis[] = [];
  const warnings: string[] = [];
  const logger = createLogger('info', new Writable({ write(chunk: Buffer, _e, done) { const line = JSON.parse(chunk.toString()) as { level: number; msg: string }; if (line.level >= 40) warnings.push(line.msg); done(); } }));

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await redis.stop();
  });

  function replica(id: string, redisUp?: () => boolean, keyPrefix?: string) {
    let now = 1_000_000;
    const telemetry = new Telemetry(() => now);
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
    clients.push(client);
    const sync = new RedisTelemetrySync({ redis: client, replicaId: id, logger, timeoutMs: 500, ...(redisUp === undefined ? {} : { redisUp }), ...(keyPrefix === undefined ? {} : { keyPrefix }) });
    sync.start(telemetry);
    return { telemetry, sync, tick: (ms: number) => { now += ms; } };
  }

  it('lets one replica see what another learned: failures, an open breaker, latency and load', async () => {
    const a = replica('a');
    const b = replica('b');
    await new Promise((r) => setTimeout(r, 100)); // connect
    const observer = a.telemetry.observer();
    const slow = observer.begin('m', miner, false);
    a.tick(900);
    slow.success({ firstByteMs: 900, streamed: false });
    for (let i = 0; i < 3; i++) observer.begin('m', miner, false).failure(new MinerError('http_error', 'x'));
    observer.begin('m', miner, false); // one call still in flight on replica a
    await a.sync.syncNow();
    await b.sync.syncNow();
    const seen = b.telemetry.view(miner.hotkey)!;
    expect(seen.counts).toEqual({ http: 3, ok: 1 });
    expect(seen.inFlight).toBe(1);
    expect(seen.latencyMs).toBe(900);
    expect(seen.openUntil).toBeGreaterThan(0);
    await a.sync.stop();
    await b.sync.stop();
  });

  it('keeps gateways with different key prefixes apart on one Redis', async () => {
    const prod = replica('prod-1', undefined, 'prod:');
    const staging = replica('staging-1', undefined, 'staging:');
    await new Promise((r) => setTimeout(r, 100)); // connect
    for (let i = 0; i < 3; i++) prod.telemetry.observer().begin('m', miner, false).failure(new MinerError('http_error', 'x'));
    await prod.sync.syncNow();
    await staging.sync.syncNow();
    expect(staging.telemetry.view(miner.hotkey)).toBeUndefined();
    const keys = await clients[clients.length - 1]!.keys('*{telemetry}*');
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.startsWith('prod:') || k.startsWith('staging:'))).toBe(true);
    await prod.sync.stop();
    await staging.sync.stop();
  });

  it('forgets a replica that stopped, and keeps working (with a single warning) when Redis dies', async () => {
    const a = replica('c');
    const b = replica('d');
    await new Promise((r) => setTimeout(r, 100));
    a.telemetry.observer().begin('m', miner, false).success({ firstByteMs: 10, streamed: false });
    await a.sync.syncNow();
    await b.sync.syncNow();
    expect(b.telemetry.view(miner.hotkey)?.counts.ok).toBe(1);
    await a.sync.stop();
    await b.sync.syncNow();
    expect(b.telemetry.view(miner.hotkey)).toBeUndefined();

    await redis.kill();
    await b.sync.syncNow();
    await b.sync.syncNow();
    expect(warnings.filter((w) => w.includes('telemetry sync')), JSON.stringify(warnings)).toHaveLength(1);
    await redis.restart();
    await b.sync.stop();
  });

  it('leaves outages to the shared Redis health: skipped while it says down, no warning of its own', async () => {
    let up = true;
    const a = replica('e', () => up);
    const b = replica('f', () => up);
    await new Promise((r) => setTimeout(r, 100));
    a.telemetry.observer().begin('m', miner, false).success({ firstByteMs: 10, streamed: false });
    await a.sync.syncNow();
    await b.sync.syncNow();
    expect(b.telemetry.view(miner.hotkey)?.counts.ok).toBe(1);
    up = false;
    await b.sync.syncNow();
    expect(b.telemetry.view(miner.hotkey)).toBeUndefined(); // skipped: only local telemetry while down
    const before = warnings.length;
    await redis.kill();
    up = true; // the health machine has not noticed yet: the sync fails, quietly
    await b.sync.syncNow();
    expect(warnings.length).toBe(before);
    await redis.restart();
    await a.sync.stop();
    await b.sync.stop();
  });
});

