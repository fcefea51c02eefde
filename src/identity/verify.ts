/**
 * Signature verification against an ss58 address, for the miner side of the protocols (fake
 * miners in tests, and any check of a peer's signature).
 */
import { decodeAddress, encodeAddress } from '@polkadot/util-crypto';
import { verifySr25519 } from './sr25519.js';

/** Decoding an address (base58 + blake2b checksum) costs a few % of a verify; peers repeat. */
const PUBLIC_KEY_CACHE_LIMIT = 4096;
const publicKeys = new Map<string, Uint8Array>();

/**
 * The 32-byte public key of an ss58 address (any network prefix), or null when the string is
 * not a valid ss58 address of a 32-byte key. Never throws.
 */
export function publicKeyOfAddress(ss58Address: string): Uint8Array | null {
  return cachedPublicKey(ss58Address)?.slice() ?? null;
}

/** Like publicKeyOfAddress, but returns the shared cached array: callers must not mutate it. */
function cachedPublicKey(ss58Address: string): Uint8Array | null {
  const cached = publicKeys.get(ss58Address);
  if (cached) return cached;
  // decodeAddress also takes raw 0x-hex public keys; an address field must be ss58.
  if (typeof ss58Address !== 'string' || ss58Address.startsWith('0x') || ss58Address.length > 64) return null;
  let key: Uint8Array;
  try {
    key = decodeAddress(ss58Address);
  } catch {
    return null;
  }
  if (key.length !== 32) return null;
  if (publicKeys.size >= PUBLIC_KEY_CACHE_LIMIT) {
    const oldest = publicKeys.keys().next();
    if (!oldest.done) publicKeys.delete(oldest.value);
  }
  publicKeys.set(ss58Address, key);
  return key;
}

/** True when `ss58Address` is a well-formed ss58 address of a 32-byte key. */
export function isValidAddress(ss58Address: string): boolean {
  return cachedPublicKey(ss58Address) !== null;
}

/** ss58 address (prefix 42 unless given) of a 32-byte public key. */
export function addressOfPublicKey(publicKey: Uint8Array, prefix = 42): string {
  return encodeAddress(publicKey, prefix);
}

/**
 * Whether `signature` is a valid sr25519 signature ("substrate" context) of `message` by the
 * key of `ss58Address`. Exact bytes only: unlike polkadot-js `signatureVerify`, it does not also
 * try the `<Bytes>`-wrapped message. Returns false, never throws, on any garbage input.
 */
export function verifySignature(message: Uint8Array, signature: Uint8Array, ss58Address: string): boolean {
  try {
    if (!(message instanceof Uint8Array) || !(signature instanceof Uint8Array)) return false;
    if (signature.length !== 64) return false;
    const publicKey = cachedPublicKey(ss58Address);
    return publicKey !== null && verifySr25519(message, signature, publicKey);
  } catch {
    return false;
  }
}
