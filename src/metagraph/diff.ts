import { hostPort } from '../net/ip.js';
import type { Axon, NeuronSnapshot } from './types.js';

/** What changed between two reads of a metagraph, by hotkey (uids are recycled, hotkeys are identities). */
export interface MetagraphDiff {
  added: string[];
  removed: string[];
  /** Hotkeys whose endpoint changed, including starting or stopping to serve. */
  moved: Array<{ hotkey: string; from: string | null; to: string | null }>;
}

const endpoint = (axon: Axon | null): string | null => (axon ? hostPort(axon.host, axon.port) : null);

/** The hotkeys added and removed and the axons moved from `prev` to `next` (everything is added when `prev` is null). */
export function diffSnapshots(prev: NeuronSnapshot | null, next: NeuronSnapshot): MetagraphDiff {
  const before = new Map((prev?.neurons ?? []).map((n) => [n.hotkey, n]));
  const diff: MetagraphDiff = { added: [], removed: [], moved: [] };
  const seen = new Set<string>();
  for (const n of next.neurons) {
    seen.add(n.hotkey);
    const old = before.get(n.hotkey);
    if (!old) { diff.added.push(n.hotkey); continue; }
    const from = endpoint(old.axon);
    const to = endpoint(n.axon);
    if (from !== to) diff.moved.push({ hotkey: n.hotkey, from, to });
  }
  for (const hotkey of before.keys()) if (!seen.has(hotkey)) diff.removed.push(hotkey);
  return diff;
}
