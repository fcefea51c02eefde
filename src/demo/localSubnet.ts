import { startReferenceMiner, type ReferenceMinerHandle } from '../miner/referenceMiner.js';

/** One miner of the demo subnet: how it behaves, and its made-up identity. */
export interface DemoMinerSpec {
  uid: number;
  hotkey: string;
  latencyMs: number;
  tokenDelayMs: number;
  failureRate: number;
}

/** Five miners: fast, steady, slow, very slow and flaky, so routing has something to choose. */
export const DEMO_MINERS: readonly DemoMinerSpec[] = [
  { uid: 1, hotkey: 'demo-miner-1-fast', latencyMs: 5, tokenDelayMs: 2, failureRate: 0 },
  { uid: 2, hotkey: 'demo-miner-2-steady', latencyMs: 20, tokenDelayMs: 5, failureRate: 0 },
  { uid: 3, hotkey: 'demo-miner-3-slow', latencyMs: 120, tokenDelayMs: 15, failureRate: 0 },
  { uid: 4, hotkey: 'demo-miner-4-sluggish', latencyMs: 400, tokenDelayMs: 25, failureRate: 0 },
  { uid: 5, hotkey: 'demo-miner-5-flaky', latencyMs: 10, tokenDelayMs: 3, failureRate: 0.3 },
];

export interface LocalSubnet {
  miners: Array<{ spec: DemoMinerSpec; handle: ReferenceMinerHandle }>;
  stop(): Promise<void>;
}

/** Starts the demo's miners on 127.0.0.1, each on its own free port. */
export async function startLocalSubnet(specs: readonly DemoMinerSpec[] = DEMO_MINERS): Promise<LocalSubnet> {
  const miners = await Promise.all(specs.map(async (spec) => ({
    spec,
    handle: await startReferenceMiner({ latencyMs: spec.latencyMs, tokenDelayMs: spec.tokenDelayMs, failureRate: spec.failureRate }),
  })));
  return {
    miners,
    stop: async () => {
      await Promise.all(miners.map((m) => m.handle.close()));
    },
  };
}
