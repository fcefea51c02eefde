import { readFile } from 'node:fs/promises';
import { isValidAddress } from '../identity/verify.js';

/** Whether a (signature-verified) hotkey may call the miner. */
export type SignerPolicy = (ss58: string) => boolean;

/** A policy that admits exactly these hotkeys. Throws on a string that is not an ss58 address. */
export function allowListPolicy(hotkeys: Iterable<string>): SignerPolicy {
  const allowed = new Set<string>();
  for (const hotkey of hotkeys) {
    if (!isValidAddress(hotkey)) throw new Error(`not an ss58 address: ${JSON.stringify(hotkey)}`);
    allowed.add(hotkey);
  }
  return (ss58) => allowed.has(ss58);
}

/**
 * Stake per hotkey from a metagraph snapshot file: a JSON array of
 * `{"hotkey": "<ss58>", "stakeRao": <integer or decimal string>}` (1 TAO = 1e9 rao; a string
 * keeps values above 2^53 exact). Other fields are ignored, so a richer export also works.
 */
export function parseStakeSnapshot(json: unknown): Map<string, bigint> {
  if (!Array.isArray(json)) throw new Error('a metagraph snapshot is a JSON array of {hotkey, stakeRao}');
  const stakes = new Map<string, bigint>();
  json.forEach((entry: unknown, index) => {
    const { hotkey, stakeRao } = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof hotkey !== 'string' || !isValidAddress(hotkey)) throw new Error(`snapshot entry ${index}: hotkey is not an ss58 address`);
    const stake = typeof stakeRao === 'number' && Number.isSafeInteger(stakeRao) ? BigInt(stakeRao)
      : typeof stakeRao === 'string' && /^\d{1,30}$/.test(stakeRao) ? BigInt(stakeRao)
        : undefined;
    if (stake === undefined || stake < 0n) throw new Error(`snapshot entry ${index}: stakeRao must be a non-negative integer (number or decimal string)`);
    stakes.set(hotkey, stake);
  });
  return stakes;
}

/** A policy that admits hotkeys holding at least `minStakeRao` in the snapshot file. */
export async function stakeSnapshotPolicy(path: string, minStakeRao: bigint): Promise<SignerPolicy> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read metagraph snapshot ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const stakes = parseStakeSnapshot(json);
  return (ss58) => (stakes.get(ss58) ?? -1n) >= minStakeRao;
}
