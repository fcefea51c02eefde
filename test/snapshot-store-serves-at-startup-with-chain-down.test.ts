import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChainReader } from '../src/metagraph/chain/reader.js';
import { createChainSource } from '../src/metagraph/chainSource.js';
import {
  createFileSnapshotStore, parseSnapshot, serializeSnapshot, snapshotFilePath, SnapshotFormatError, type SnapshotStore,
} from '../src/metagraph/snapshotStore.js';
import type { NeuronSnapshot } from '../src/metagraph/types.js';
import { createAddressGuard } from '../src/net/addressGuard.js';
import { createRedisSnapshotStore, snapshotRedisKey } from '../src/state/redisSnapshotStore.js';
import { startChainReplay } from './support/chainReplay.js';
import { freePort } from './support/ports.js';
import { recordingLogger } from './support/recordingLogger.js';
import { startRedisServer, type RedisServerHandle } from './support/redisServer.js';

let real: NeuronSnapshot;
let redisServer: RedisServerHandle;
let redis: Redis;
let dir: string;

beforeAll(async () => {
  const replay = await startChainReplay();
  const reader = createChainReader({ endpoint: replay.url });
  real = await reader.readNeurons(1, { weightsOf: '5D1saVvssckE1XoPwPzdHrqYZtvBJ3vESsrPNxZ4zAxbKGs1' });
  await reader.close();
  await replay.close();
  redisServer = await startRedisServer();
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
  // The gateway owns its client's error handling; here a killed server is expected.
  redis.on('error', () => {});
  dir = mkdtempSync(join(tmpdir(), 'taogate-snapshots-'));
});

afterAll(async () => {
  redis?.disconnect();
  await redisServer?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A source whose chain is unreachable, on the given store. */
async function sourceWithChainDown(store: SnapshotStore, network: string) {
  const { logger, lines } = recordingLogger();
  const reader = createChainReader({ endpoint: `ws://127.0.0.1:${await freePort()}` });
  const source = createChainSource({ netuid: 1, network, reader, guard: createAddressGuard(), logger, store, retryInitialMs: 60_000 });
  return { source, lines };
}

describe('snapshot codec', () => {
  it('round-trips a real snapshot, bigints and weights included', () => {
    const text = serializeSnapshot('finney', real);
    const back = parseSnapshot(text, { network: 'finney', netuid: 1 });
    expect(back).toEqual(real);
    expect(back.neurons[245]?.stakeRao).toBe(4_342_029_898_460n);
    expect(JSON.parse(text)).toMatchObject({ format: 'taogate.metagraph', version: 1, network: 'finney', netuid: 1, block: 6_852_690 });
  });

  it('refuses other versions, other subnets and damaged neurons', () => {
    const data = JSON.parse(serializeSnapshot('finney', real)) as Record<string, unknown> & { neurons: Array<Record<string, unknown>> };
    const parse = (d: unknown, netuid = 1) => () => parseSnapshot(JSON.stringify(d), { network: 'finney', netuid });
    expect(parse({ ...data, version: 2 })).toThrow(/version 2 is not 1/);
    expect(parse(data, 2)).toThrow(/holds finney\/1, not finney\/2/);
    data.neurons[3] = { ...data.neurons[3], stakeRao: 12.5 };
    expect(parse(data)).toThrow(new SnapshotFormatError('neurons[3].stakeRao: expected a decimal string'));
    expect(() => parseSnapshot('{"format":"taogate.metagraph","vers', { network: 'finney', netuid: 1 })).toThrow(/not JSON/);
  });
});

describe('Redis snapshot store', () => {
  it('saves the last good snapshot under taogate:metagraph:v1:<network>:<netuid>', async () => {
    const store = createRedisSnapshotStore({ redis, logger: recordingLogger().logger });
    await store.save('finney', real);
    expect(snapshotRedisKey('finney', 1)).toBe('taogate:metagraph:v1:finney:1');
    expect(snapshotRedisKey('finney', 1, 'staging:')).toBe('staging:metagraph:v1:finney:1'); // the gateway's redis.keyPrefix
    const raw = await redis.get('taogate:metagraph:v1:finney:1');
    expect(raw).toBe(serializeSnapshot('finney', real));
    expect(await store.load('finney', 1)).toEqual(real);
    expect(await store.load('finney', 2)).toBeNull();
  });

  it('serves the stored snapshot at once on start-up with the chain down, and says the chain is down', async () => {
    const store = createRedisSnapshotStore({ redis, logger: recordingLogger().logger });
    await store.save('finney', real);
    const { source, lines } = await sourceWithChainDown(store, 'finney');
    const t0 = Date.now();
    await source.start();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(source.miners()?.eligible).toHaveLength(820);
    expect(source.miners()?.block).toBe(6_852_690);
    expect(source.status()).toMatchObject({ origin: 'store', block: 6_852_690, fetchedAt: real.fetchedAt, connected: false });
    await source.refreshNow();
    expect(source.status().lastError).toMatch(/^cannot connect to 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    expect(source.miners()?.block).toBe(6_852_690);
    expect(lines.find((l) => l.msg === 'serving stored metagraph snapshot')?.obj).toMatchObject({ netuid: 1, block: 6_852_690 });
    await source.stop();
  });

  it('ignores a corrupt or wrong-version stored snapshot with a warning', async () => {
    const { logger, lines } = recordingLogger();
    const store = createRedisSnapshotStore({ redis, logger });
    await redis.set('taogate:metagraph:v1:corrupt:1', '{"format":"taogate.metagraph","version":1,"netw');
    expect(await store.load('corrupt', 1)).toBeNull();
    await redis.set('taogate:metagraph:v1:old:1', serializeSnapshot('old', real).replace('"version":1', '"version":0'));
    expect(await store.load('old', 1)).toBeNull();
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['warn', expect.stringMatching(/^ignoring stored metagraph snapshot: not JSON/)],
      ['warn', 'ignoring stored metagraph snapshot: version 0 is not 1'],
    ]);
    // A source on such a store starts empty and waits for the chain.
    const { source } = await sourceWithChainDown(store, 'corrupt');
    await source.start();
    expect(source.miners()).toBeNull();
    expect(source.status()).toMatchObject({ origin: null, stale: true });
    await source.stop();
  });

  it('warns instead of hanging when Redis is gone', async () => {
    const { logger, lines } = recordingLogger();
    const store = createRedisSnapshotStore({ redis, logger, timeoutMs: 300 });
    await redisServer.kill();
    try {
      const t0 = Date.now();
      expect(await store.load('finney', 1)).toBeNull();
      await store.save('finney', real);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(lines.map((l) => l.msg)).toEqual([
        'cannot read stored metagraph snapshot from Redis',
        'cannot save metagraph snapshot to Redis',
      ]);
    } finally {
      await redisServer.restart();
    }
  });
});

describe('file snapshot store', () => {
  it('writes atomically and serves the snapshot on start-up with the chain down', async () => {
    const store = createFileSnapshotStore({ dir: join(dir, 'nested'), logger: recordingLogger().logger });
    await store.save('finney', real);
    await store.save('finney', real);
    const path = snapshotFilePath(join(dir, 'nested'), 'finney', 1);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['metagraph-v1-finney-1.json']);
    expect(readFileSync(path, 'utf8')).toBe(serializeSnapshot('finney', real));
    const { source } = await sourceWithChainDown(store, 'finney');
    await source.start();
    expect(source.status()).toMatchObject({ origin: 'store', block: 6_852_690 });
    expect(source.miners()?.eligible).toHaveLength(820);
    await source.stop();
  });

  it('ignores a corrupt file with a warning and a missing one silently', async () => {
    const { logger, lines } = recordingLogger();
    const store = createFileSnapshotStore({ dir, logger });
    expect(await store.load('nothing-here', 1)).toBeNull();
    expect(lines).toEqual([]);
    writeFileSync(snapshotFilePath(dir, 'broken', 1), serializeSnapshot('broken', real).slice(0, 5000));
    expect(await store.load('broken', 1)).toBeNull();
    expect(lines).toHaveLength(1);
    expect(lines[0]?.level).toBe('warn');
    expect(lines[0]?.msg).toMatch(/^ignoring stored metagraph snapshot: not JSON/);
  });

  it('names files portably for URL-like network names', () => {
    expect(snapshotFilePath('/var/lib/taogate', '127.0.0.1:9944', 3)).toBe('/var/lib/taogate/metagraph-v1-127.0.0.1_9944-3.json');
  });
});
