import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiPromise } from '@polkadot/api';
import { parseIp } from '../../src/net/ip.js';
import { reencodeNeurons, type NeuronJson } from './neuronFixtures.js';

/** Where one neuron of a rewritten metagraph serves. */
export interface PlannedAxon { uid: number; host: string; port: number }

/**
 * The recorded SN1 neurons, re-encoded so that only `plan`'s neurons serve, at the given
 * addresses and as plain miners (no validator permit); every other neuron serves nothing.
 * Nothing real on the internet can then be eligible, whatever the allow-list says.
 */
export function neuronsServingAt(api: ApiPromise, plan: readonly PlannedAxon[]): string {
  const byUid = new Map(plan.map((p) => [p.uid, p]));
  return reencodeNeurons(api, (n: NeuronJson) => {
    const planned = byUid.get(n.uid);
    if (planned === undefined) return { ...n, axonInfo: { ...n.axonInfo, ip: 0, port: 0, ipType: 0 } };
    const ip = parseIp(planned.host);
    if (ip === null) throw new Error(`not an IP: ${planned.host}`);
    return {
      ...n,
      validatorPermit: false,
      axonInfo: { ...n.axonInfo, ip: ip.value, port: planned.port, ipType: ip.family },
    };
  });
}

/** A fresh temporary directory (for snapshot files) and its removal. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Polls `condition` every 20 ms until it holds (or fails after `timeoutMs`). */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
