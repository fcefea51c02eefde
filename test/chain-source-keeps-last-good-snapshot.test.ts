import type { ApiPromise } from '@polkadot/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChainReader } from '../src/metagraph/chain/reader.js';
import { createChainSource, type Timers } from '../src/metagraph/chainSource.js';
import { createAddressGuard } from '../src/net/addressGuard.js';
import { startChainReplay, type ChainReplay } from './support/chainReplay.js';
import { connectFixtureApi, reencodeNeurons, weightsStorage } from './support/neuronFixtures.js';
import { freePort } from './support/ports.js';
import { recordingLogger } from './support/recordingLogger.js';

let replay: ChainReplay;
let api: ApiPromise;

beforeAll(async () => {
  replay = await startChainReplay();
  api = await connectFixtureApi(replay);
});
afterAll(async () => {
  await api?.disconnect();
  await replay?.close();
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A clock the test moves by hand; timers stay real so the refresh loop really runs. */
function manualClock(start = 1_750_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

describe('chain source', () => {
  it('keeps serving the last good snapshot while the chain is away, reports the error and staleness, and recovers', async () => {
    const clock = manualClock();
    const { logger, lines } = recordingLogger();
    const reader = createChainReader({ endpoint: replay.url, now: clock.now, connectTimeoutMs: 1000, logger });
    const source = createChainSource({
      netuid: 1, network: 'replay', reader, guard: createAddressGuard(), logger, now: clock.now,
      refreshIntervalMs: 300, retryInitialMs: 50, retryMaxMs: 200, staleAfterMs: 15 * 60_000,
    });
    try {
      await source.start();
      const good = source.miners();
      expect(good?.eligible).toHaveLength(820);
      expect(source.status()).toEqual({
        netuid: 1, network: 'replay', block: 6_852_690, fetchedAt: clock.now(), ageSeconds: 0, stale: false,
        origin: 'chain', lastError: null, consecutiveFailures: 0, connected: true,
      });
      expect(source.minerCounts()).toMatchObject({ eligible: 820, not_serving: 197, validator: 7 });

      await replay.stop();
      await until(() => source.status().consecutiveFailures >= 2);
      clock.advance(20 * 60_000);
      const down = source.status();
      expect(down).toMatchObject({ block: 6_852_690, origin: 'chain', connected: false, ageSeconds: 1200, stale: true });
      expect(down.lastError).toMatch(/ECONNREFUSED|disconnected/);
      // The very same snapshot object is still served.
      expect(source.miners()).toBe(good);
      expect(lines.some((l) => l.level === 'warn' && l.msg?.startsWith('metagraph refresh failed'))).toBe(true);

      await replay.start();
      await until(() => source.status().lastError === null);
      expect(lines.filter((l) => l.msg === 'metagraph refreshed').at(-1)?.obj).toMatchObject({ added: 0, removed: 0, moved: 0 });
      expect((lines.filter((l) => l.msg === 'metagraph refreshed').at(-1)?.obj as { recoveredAfterFailures?: number }).recoveredAfterFailures).toBeGreaterThanOrEqual(2);
      expect(source.status()).toMatchObject({ connected: true, stale: false, ageSeconds: 0, consecutiveFailures: 0 });
      expect(source.miners()?.eligible).toHaveLength(820);
    } finally {
      await source.stop();
    }
    expect(reader.isConnected()).toBe(false);
  });

  it('backs off exponentially with jitter while the chain is unreachable', async () => {
    const delays: number[] = [];
    let fire: (() => void) | undefined;
    const timers: Timers = { setTimeout: (fn, ms) => { delays.push(ms); fire = fn; return delays.length; }, clearTimeout: () => {} };
    const reader = createChainReader({ endpoint: `ws://127.0.0.1:${await freePort()}` });
    const { logger, lines } = recordingLogger();
    const jitter = [0.5, 0, 1, 0.5, 0.5, 0.5, 0.5, 0.5];
    const source = createChainSource({
      netuid: 1, network: 'nowhere', reader, guard: createAddressGuard(), logger, timers,
      retryInitialMs: 1000, retryMaxMs: 10_000, random: () => jitter.shift() ?? 0.5,
    });
    await source.start();
    for (let i = 0; i < 6; i += 1) {
      const before = delays.length;
      fire?.();
      await until(() => delays.length > before);
    }
    // 1 s doubling to the 10 s cap, each scaled by 0.75 + 0.5 × random.
    expect(delays).toEqual([1000, 1500, 5000, 8000, 10_000, 10_000, 10_000]);
    expect(source.status()).toMatchObject({ block: null, stale: true, origin: null, consecutiveFailures: 7 });
    expect(source.miners()).toBeNull();
    // One warning for the outage (the same error each time), the rest at debug.
    const failed = lines.filter((l) => l.msg?.startsWith('metagraph refresh failed'));
    expect(failed.map((l) => l.level)).toEqual(['warn', 'debug', 'debug', 'debug', 'debug', 'debug', 'debug']);
    await source.stop();
  });

  it('logs added and removed hotkeys and moved axons, and swaps in the new snapshot', async () => {
    const { logger, lines } = recordingLogger();
    const reader = createChainReader({ endpoint: replay.url });
    const source = createChainSource({ netuid: 1, network: 'replay', reader, guard: createAddressGuard(), logger, refreshIntervalMs: 3_600_000 });
    await source.start();
    const before = source.neurons();
    const replaced = before?.neurons[10]?.hotkey;
    const newcomer = '5HDvhV6WDCjCKyrXqGQSDYqQAzkzabNhctmiDYEqgBC66BsX';
    replay.setNeuronsLite(reencodeNeurons(api, (n) => {
      if (n.uid === 10) return { ...n, hotkey: newcomer };
      if (n.uid === 0) return { ...n, axonInfo: { ...n.axonInfo, port: 7000 } };
      return n;
    }));
    try {
      expect(await source.refreshNow()).toBe(true);
    } finally {
      replay.clearRules();
      await source.stop();
    }
    const refreshed = lines.filter((l) => l.msg === 'metagraph refreshed').at(-1);
    expect(refreshed?.obj).toMatchObject({
      netuid: 1, block: 6_852_690, added: 1, removed: 1, moved: 1,
      addedHotkeys: [newcomer], removedHotkeys: [replaced],
      movedAxons: [{ hotkey: before?.neurons[0]?.hotkey, from: '192.222.59.109:6028', to: '192.222.59.109:7000' }],
    });
    expect(source.neurons()?.neurons[10]?.hotkey).toBe(newcomer);
    expect(source.miners()?.miners[0]?.port).toBe(7000);
  });

  it("scores by a validator's weights row read at the same block, and says when it falls back", async () => {
    const { logger, lines } = recordingLogger();
    const reader = createChainReader({ endpoint: replay.url });
    const validatorHotkey = '5D1saVvssckE1XoPwPzdHrqYZtvBJ3vESsrPNxZ4zAxbKGs1'; // uid 245
    const { key, value } = weightsStorage(api, 1, 245, [[0, 65535], [1, 16384]]);
    replay.script({ method: 'state_getStorage', keyPrefix: key }, value);
    const weighted = createChainSource({
      netuid: 1, network: 'replay', reader, guard: createAddressGuard(), logger, policy: { scoreSource: { weightsOf: validatorHotkey } },
    });
    try {
      await weighted.start();
      const miners = weighted.miners();
      expect(miners?.scoreSource).toBe('weights');
      expect(miners?.miners[0]?.validatorScore).toBe(1);
      expect(miners?.miners[1]?.validatorScore).toBeCloseTo(16384 / 65535, 12);
      expect(miners?.eligible.filter((m) => m.validatorScore > 0)).toHaveLength(2);
    } finally {
      replay.clearRules();
      await weighted.stop();
    }
    const plain = createChainSource({ netuid: 1, network: 'replay', reader: createChainReader({ endpoint: replay.url }), guard: createAddressGuard(), logger });
    await plain.start();
    await plain.stop();
    expect(plain.miners()?.scoreSource).toBe('uniform');
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual(['score source incentive gives no signal; using uniform']);
  });

  it('stops cleanly while a read is in flight', async () => {
    const reader = createChainReader({ endpoint: replay.url });
    const { logger, lines } = recordingLogger();
    replay.setDelay(2000, { method: 'state_call', call: 'NeuronInfoRuntimeApi_get_neurons_lite' });
    const source = createChainSource({ netuid: 1, network: 'replay', reader, guard: createAddressGuard(), logger });
    const seen = replay.calls.length;
    try {
      const starting = source.start();
      await until(() => replay.calls.slice(seen).some((c) => c.params[0] === 'NeuronInfoRuntimeApi_get_neurons_lite'));
      const t0 = Date.now();
      await source.stop();
      await starting;
      expect(Date.now() - t0).toBeLessThan(1500);
    } finally {
      replay.clearRules();
    }
    expect(reader.isConnected()).toBe(false);
    expect(lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
  });
});
