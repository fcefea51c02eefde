import { randomBytes } from 'node:crypto';
import { Secret } from '../config/secret.js';
import { hotkeyFromSeed } from '../identity/index.js';
import { startReferenceMiner, type ReferenceMinerHandle } from '../miner/referenceMiner.js';

/** One miner of the demo subnet and how it behaves. */
export interface DemoMinerSpec {
  uid: number;
  name: string;
  latencyMs: number;
  tokenDelayMs: number;
  failureRate: number;
}

/** Five miners: fast, steady, slow, very slow and flaky, so routing has something to choose. */
export const DEMO_MINERS: readonly DemoMinerSpec[] = [
  { uid: 1, name: 'fast', latencyMs: 5, tokenDelayMs: 2, failureRate: 0 },
  { uid: 2, name: 'steady', latencyMs: 20, tokenDelayMs: 5, failureRate: 0 },
  { uid: 3, name: 'slow', latencyMs: 120, tokenDelayMs: 15, failureRate: 0 },
  { uid: 4, name: 'sluggish', latencyMs: 400, tokenDelayMs: 25, failureRate: 0 },
  { uid: 5, name: 'flaky', latencyMs: 10, tokenDelayMs: 3, failureRate: 0.3 },
];

export interface LocalSubnet {
  miners: Array<{ spec: DemoMinerSpec; hotkey: string; handle: ReferenceMinerHandle }>;
  stop(): Promise<void>;
}

/** A fresh random hotkey that lives as long as the process: the demo's identities. */
export async function throwawayHotkey(): Promise<{ seed: Secret; address: string }> {
  const seed = `0x${randomBytes(32).toString('hex')}`;
  const { address } = await hotkeyFromSeed(seed);
  return { seed: new Secret(seed), address };
}

/**
 * Starts the demo's miners on 127.0.0.1, each on its own free port with its own throwaway
 * hotkey, verifying Epistula signatures and serving only `gatewayHotkey`, as subnet miners do.
 */
export async function startLocalSubnet(gatewayHotkey: string, specs: readonly DemoMinerSpec[] = DEMO_MINERS): Promise<LocalSubnet> {
  const miners = await Promise.all(specs.map(async (spec) => {
    const { address } = await throwawayHotkey();
    const handle = await startReferenceMiner({
      latencyMs: spec.latencyMs,
      tokenDelayMs: spec.tokenDelayMs,
      failureRate: spec.failureRate,
      auth: { hotkey: address, isAllowedSigner: (signer) => signer === gatewayHotkey },
    });
    return { spec, hotkey: address, handle };
  }));
  return {
    miners,
    stop: async () => {
      await Promise.all(miners.map((m) => m.handle.close()));
    },
  };
}
