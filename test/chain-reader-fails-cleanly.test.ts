import { logger as polkadotLogger } from '@polkadot/util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createChainReader, type NeuronReader } from '../src/metagraph/chain/reader.js';
import { ChainError } from '../src/metagraph/chain/errors.js';
import { CHAIN_PRESETS, chainNetworkName, resolveChainEndpoint } from '../src/metagraph/chain/endpoints.js';
import { freePort } from './support/ports.js';
import { startChainReplay, type ChainReplay } from './support/chainReplay.js';
import { recordingLogger } from './support/recordingLogger.js';
import { recordedNeuronsHex } from './support/neuronFixtures.js';

const POLKADOT_LINE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const NEURONS = { method: 'state_call', call: 'NeuronInfoRuntimeApi_get_neurons_lite' };

let replay: ChainReplay;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => { unhandled.push(reason); };
const consoleLines: unknown[][] = [];
const readers: NeuronReader[] = [];

beforeAll(async () => {
  replay = await startChainReplay();
  process.on('unhandledRejection', onUnhandled);
  // Anything @polkadot prints to the console in these tests is a leak.
  for (const method of ['log', 'warn', 'error'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => { consoleLines.push(args); });
  }
});

afterEach(async () => {
  replay.clearRules();
  // Routed @polkadot lines go to the newest open connection's logger: close each test's readers.
  for (const r of readers.splice(0)) await r.close();
});

afterAll(async () => {
  await replay.close();
  process.off('unhandledRejection', onUnhandled);
  vi.restoreAllMocks();
});

function reader(options: Parameters<typeof createChainReader>[0]): NeuronReader {
  const r = createChainReader(options);
  readers.push(r);
  return r;
}

describe('chain reader failures', () => {
  it('resolves presets and refuses anything but ws(s) URLs', () => {
    expect(resolveChainEndpoint()).toBe('wss://entrypoint-finney.opentensor.ai:443');
    expect(resolveChainEndpoint('test')).toBe(CHAIN_PRESETS.test);
    expect(resolveChainEndpoint('local')).toBe('ws://127.0.0.1:9944');
    expect(resolveChainEndpoint('wss://archive.example:443')).toBe('wss://archive.example:443');
    expect(() => resolveChainEndpoint('https://entrypoint-finney.opentensor.ai')).toThrow(/ws:\/\/ or wss:\/\//);
    expect(() => resolveChainEndpoint('finey')).toThrow(/unknown chain endpoint "finey"/);
    expect(() => createChainReader({ endpoint: 'nope' })).toThrow(/unknown chain endpoint/);
    expect(chainNetworkName('finney')).toBe('finney');
    expect(chainNetworkName('ws://127.0.0.1:9944')).toBe('127.0.0.1:9944');
  });

  it('rejects with a clear message when nothing listens', async () => {
    const port = await freePort();
    // A hosted endpoint's API key sits in its path or query: it must not reach the message (logs, /readyz).
    const r = reader({ endpoint: `ws://127.0.0.1:${port}/v1/SECRETKEY?apikey=SECRETKEY` });
    const error = await r.readNeurons(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChainError);
    expect((error as Error).message).toBe(`cannot connect to 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(r.isConnected()).toBe(false);
  });

  it('rejects on an error answer, then reads again on the same connection', async () => {
    const r = reader({ endpoint: replay.url });
    await r.readNeurons(1);
    const connects = replay.calls.filter((c) => c.method === 'rpc_methods').length;
    replay.fail(NEURONS, { kind: 'error', code: -32000, message: 'Client error: Execution failed' }, 1);
    const error = await r.readNeurons(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChainError);
    expect((error as Error).message).toMatch(/^reading netuid 1 from 127\.0\.0\.1:\d+ failed: -32000: Client error: Execution failed$/);
    expect(r.isConnected()).toBe(true);
    const s = await r.readNeurons(1);
    expect(s.neurons).toHaveLength(1024);
    // No new API initialisation (each one asks rpc_methods once).
    expect(replay.calls.filter((c) => c.method === 'rpc_methods').length).toBe(connects);
  });

  it('rejects when the node drops the connection mid-call, and recovers', async () => {
    const r = reader({ endpoint: replay.url });
    await r.readNeurons(1);
    replay.fail(NEURONS, { kind: 'close' }, 1);
    await expect(r.readNeurons(1)).rejects.toThrow(/failed: disconnected from 127\.0\.0\.1:\d+: 1006/);
    expect((await r.readNeurons(1)).neurons).toHaveLength(1024);
  });

  it('fails while the chain is away and reads again once it is back on the same port', async () => {
    const r = reader({ endpoint: replay.url, connectTimeoutMs: 2000 });
    await r.readNeurons(1);
    await replay.stop();
    await expect(r.readNeurons(1)).rejects.toThrow(ChainError);
    await expect(r.readNeurons(1)).rejects.toThrow(/cannot connect to .*ECONNREFUSED/);
    await replay.start();
    expect((await r.readNeurons(1)).block).toBe(6_852_690);
  });

  it('rejects a truncated neuron list instead of returning part of it', async () => {
    const r = reader({ endpoint: replay.url });
    replay.setNeuronsLite(recordedNeuronsHex().slice(0, 100_002));
    await expect(r.readNeurons(1)).rejects.toThrow(/^reading netuid 1 from .* failed: .*(truncated|decode)/i);
  });

  it('waits for slow answers', async () => {
    const r = reader({ endpoint: replay.url });
    await r.readNeurons(1);
    replay.setDelay(300, NEURONS);
    const started = Date.now();
    expect((await r.readNeurons(1)).neurons).toHaveLength(1024);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('times out a call that is never answered', async () => {
    const r = reader({ endpoint: replay.url, requestTimeoutMs: 500 });
    await r.readNeurons(1);
    replay.fail(NEURONS, { kind: 'hang' });
    // @polkadot checks its request timeouts every 5 s.
    await expect(r.readNeurons(1)).rejects.toThrow(/No response received from RPC endpoint in 0.5s/);
  }, 15_000);

  it('times out a connection that never initialises', async () => {
    replay.fail({ method: 'state_call', call: 'Metadata_metadata_at_version' }, { kind: 'hang' });
    const r = reader({ endpoint: replay.url, connectTimeoutMs: 300 });
    await expect(r.readNeurons(1)).rejects.toThrow(/cannot connect to 127\.0\.0\.1:\d+: no answer within 300 ms/);
  });

  it("routes @polkadot's console lines to the injected logger while a connection is open", async () => {
    const { logger, lines } = recordingLogger();
    const r = reader({ endpoint: replay.url, logger });
    await r.readNeurons(1);
    polkadotLogger('API-WS').error('disconnected from ws://x: 1006:: Abnormal Closure\nFailed WS Request: {}');
    polkadotLogger('REGISTRY').warn('Unknown signed extensions X found, treating them as no-effect');
    expect(lines).toEqual([
      { level: 'debug', obj: { origin: 'API-WS', polkadotLevel: 'error' }, msg: 'disconnected from ws://x: 1006:: Abnormal Closure Failed WS Request: {}' },
      { level: 'debug', obj: { origin: 'REGISTRY', polkadotLevel: 'warn' }, msg: 'Unknown signed extensions X found, treating them as no-effect' },
    ]);
    console.warn('not from polkadot');
    expect(consoleLines.at(-1)).toEqual(['not from polkadot']);
    await r.close();
    // With no connection open the console is ours again.
    polkadotLogger('API-WS').error('after close');
    expect(String(consoleLines.at(-1)?.[2])).toBe('after close');
    consoleLines.pop();
  });

  it('left no unhandled rejection and printed nothing from @polkadot to the console', async () => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(unhandled).toEqual([]);
    expect(consoleLines.filter((args) => typeof args[0] === 'string' && POLKADOT_LINE.test(args[0]))).toEqual([]);
  });
});
