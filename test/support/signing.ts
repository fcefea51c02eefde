import { Secret } from '../../src/config/secret.js';
import { hotkeyFromSeed, type Signer } from '../../src/identity/index.js';
import { startReferenceMiner, type ReferenceMinerHandle, type ReferenceMinerOptions } from '../../src/miner/referenceMiner.js';
import { scriptedMinerSeed } from './scriptedMiner.js';
import { VECTOR_ADDRESS, VECTOR_MNEMONIC, VECTOR_SEED } from './testKeys.js';

/** The gateway's hotkey in signing tests: the public wallet vector of PROTOCOLS.md §5. */
export const GATEWAY_ADDRESS = VECTOR_ADDRESS;

/** An `identity` config section for the test gateway, as TAOGATE_HOTKEY_MNEMONIC would give it. */
export function gatewayIdentity(): { mnemonic: Secret } {
  return { mnemonic: new Secret(VECTOR_MNEMONIC) };
}

/** Every form of the gateway's secret that must never show up in output. */
export const GATEWAY_SECRETS = [VECTOR_MNEMONIC, VECTOR_SEED.slice(2), 'leopard transfer'];

/** A reference miner with its own hotkey (fixed per uid) that serves only the test gateway. */
export async function startVerifyingMiner(uid: number, options: ReferenceMinerOptions = {}, allow: readonly string[] = [GATEWAY_ADDRESS]): Promise<ReferenceMinerHandle & { uid: number; hotkey: string }> {
  const { address } = await hotkeyFromSeed(scriptedMinerSeed(uid));
  const handle = await startReferenceMiner({ auth: { hotkey: address, isAllowedSigner: (s) => allow.includes(s) }, ...options });
  return Object.assign(handle, { uid, hotkey: address });
}

/** A signer that records what it was asked to sign and returns a recognisable signature (64 bytes of `fill`). */
export function recordingSigner(fill: number): Signer & { signed: string[] } {
  const signed: string[] = [];
  return {
    address: VECTOR_ADDRESS,
    signed,
    sign(message) {
      signed.push(new TextDecoder().decode(message));
      return new Uint8Array(64).fill(fill);
    },
  };
}
