import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLru } from '../src/cache/memoryLru.js';
import { startTestGateway, staticModel, TEST_MODEL, type TestGateway } from './support/gatewayHarness.js';
import { deterministic, postChat } from './support/inference.js';
import { startScriptedMiner, type ScriptedMiner } from './support/scriptedMiner.js';

describe('the in-memory LRU', () => {
  it('never holds more than maxEntries, dropping the least recently used', () => {
    const lru = new MemoryLru<number>({ maxEntries: 3, maxBytes: 1_000 });
    for (const key of ['a', 'b', 'c']) lru.set(key, 1, 10, 60_000);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    lru.set('d', 1, 10, 60_000);
    expect(lru.size).toBe(3);
    expect(lru.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((k) => lru.get(k))).toEqual([1, 1, 1]);
  });

  it('evicts the least recently used, and keeps a hot entry read over and over on a full cache', () => {
    const lru = new MemoryLru<string>({ maxEntries: 3, maxBytes: 1_000 });
    for (const key of ['a', 'b', 'c']) lru.set(key, key, 10, 60_000);
    for (const key of ['a', 'b', 'c']) lru.get(key); // read in this order: a is the least recent
    lru.set('d', 'd', 10, 60_000);
    expect(['a', 'b', 'c', 'd'].map((k) => lru.get(k))).toEqual([undefined, 'b', 'c', 'd']);
    // A hot entry read over and over, on a full cache, stays while the others come and go.
    for (let i = 0; i < 50; i++) {
      for (let j = 0; j < 20; j++) expect(lru.get('c')).toBe('c');
      lru.set(`k${i}`, 'x', 10, 60_000);
      expect(lru.size).toBe(3);
      expect(lru.get(`k${i}`)).toBe('x');
    }
    expect(lru.get('c')).toBe('c');
  });

  it('behaves exactly like a reference LRU over 20,000 random reads, writes and deletes', () => {
    // The reference: an array from least to most recently used, bounded by entries and bytes.
    let order: Array<{ key: string; value: number; bytes: number }> = [];
    const lru = new MemoryLru<number>({ maxEntries: 8, maxBytes: 200 });
    let seed = 42;
    const random = (n: number): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % n);
    for (let step = 0; step < 20_000; step++) {
      const key = `k${random(20)}`;
      const op = random(10);
      if (op < 5) {
        const at = order.findIndex((e) => e.key === key);
        const expected = at < 0 ? undefined : order[at]!.value;
        if (at >= 0) order.push(...order.splice(at, 1));
        expect(lru.get(key)).toBe(expected);
      } else if (op < 9) {
        const bytes = 1 + random(60);
        order = order.filter((e) => e.key !== key);
        order.push({ key, value: step, bytes });
        while (order.length > 8 || order.reduce((sum, e) => sum + e.bytes, 0) > 200) order.shift();
        lru.set(key, step, bytes, 60_000);
      } else {
        order = order.filter((e) => e.key !== key);
        lru.delete(key);
      }
      expect(lru.size).toBe(order.length);
      expect(lru.bytes).toBe(order.reduce((sum, e) => sum + e.bytes, 0));
    }
  });

  it('never holds more than maxBytes, and refuses a value larger than the whole budget', () => {
    const lru = new MemoryLru<string>({ maxEntries: 100, maxBytes: 100 });
    for (let i = 0; i < 10; i++) {
      lru.set(`k${i}`, 'v', 30, 60_000);
      expect(lru.bytes).toBeLessThanOrEqual(100);
    }
    expect(lru.size).toBe(3);
    expect(lru.get('k9')).toBe('v');
    expect(lru.set('huge', 'v', 101, 60_000)).toBe(false);
    expect(lru.get('huge')).toBeUndefined();
    lru.set('k9', 'w', 50, 60_000);
    expect(lru.bytes).toBeLessThanOrEqual(100);
    expect(lru.get('k9')).toBe('w');
  });

  it('forgets entries when their TTL is over', () => {
    let now = 1_000;
    const lru = new MemoryLru<string>({ maxEntries: 10, maxBytes: 100, now: () => now });
    lru.set('k', 'v', 1, 500);
    now += 499;
    expect(lru.get('k')).toBe('v');
    now += 1;
    expect(lru.get('k')).toBeUndefined();
    expect(lru.size).toBe(0);
    expect(lru.bytes).toBe(0);
  });
});

describe('a gateway with a small memory cache', () => {
  let miner: ScriptedMiner;
  let gw: TestGateway;

  beforeAll(async () => {
    miner = await startScriptedMiner(1);
    gw = await startTestGateway({ cache: { memory: { maxEntries: 3 } }, models: { [TEST_MODEL]: staticModel([miner]) } });
  });
  afterAll(async () => {
    await gw.stop();
    await miner.close();
  });

  it('keeps the answers used most recently', async () => {
    const outcome = async (topic: string): Promise<string | null> => (await postChat(gw.url, deterministic(topic))).headers.get('x-taogate-cache');
    for (const topic of ['one', 'two', 'three']) expect(await outcome(topic)).toBe('MISS');
    expect(await outcome('one')).toBe('HIT');
    expect(await outcome('four')).toBe('MISS'); // evicts 'two', the least recently used
    expect(await outcome('one')).toBe('HIT');
    expect(await outcome('three')).toBe('HIT');
    expect(await outcome('two')).toBe('MISS');
  });
});
