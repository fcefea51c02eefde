/**
 * The one place that chooses how sr25519 is computed.
 *
 * `npx tsx bench/sr25519.ts` (164-byte Epistula message, 2 shared cores): the schnorrkel WASM
 * build in `@polkadot/wasm-crypto` signs in ~140 µs and verifies in ~350 µs; the pure-JS
 * implementations need ~850-1050 µs and ~1750-2700 µs (`@scure/sr25519@2.3.0`, and
 * `@polkadot/util-crypto@14`'s `sr25519Sign`/`sr25519Verify`, which run a bundled
 * `@scure/sr25519@0.2.0`, not WASM). WASM is also the Rust schnorrkel code Python miners
 * verify with (substrate-interface / py-sr25519-bindings). All of them accept each other's
 * signatures. WASM needs an asynchronous start: until `initSr25519()` has resolved, or if WASM
 * cannot start at all, calls fall back to util-crypto's JS, same signatures, only slower.
 */
import * as wasm from '@polkadot/wasm-crypto';
import { sr25519PairFromSeed, sr25519Sign, sr25519Verify } from '@polkadot/util-crypto';

/** Which implementation currently serves sr25519 calls. */
export type Sr25519Backend = 'wasm' | 'js';

/** An sr25519 key pair: 64-byte secret key (scalar + nonce) and 32-byte public key. */
export interface Sr25519Pair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

let starting: Promise<Sr25519Backend> | undefined;

/** Starts the WASM backend once; resolves to the backend that will serve calls from now on. */
export function initSr25519(): Promise<Sr25519Backend> {
  starting ??= wasm.waitReady().then((ok) => (ok ? 'wasm' : 'js'), () => 'js' as const);
  return starting;
}

/** The backend serving calls right now (no side effects). */
export function sr25519Backend(): Sr25519Backend {
  return wasm.isReady() ? 'wasm' : 'js';
}

/** Derives the key pair of a 32-byte mini-secret (what `secretSeed` and mnemonics yield). */
export function pairFromMiniSecret(miniSecret: Uint8Array): Sr25519Pair {
  // The JS derivation is exact and runs once per process; no need for the WASM path here.
  const { secretKey, publicKey } = sr25519PairFromSeed(miniSecret);
  return { secretKey, publicKey };
}

/** Signs with the "substrate" signing context; returns the 64-byte signature. */
export function signSr25519(pair: Sr25519Pair, message: Uint8Array): Uint8Array {
  if (wasm.isReady()) return wasm.sr25519Sign(pair.publicKey, pair.secretKey, message);
  return sr25519Sign(message, pair);
}

/** Verifies a 64-byte signature against a 32-byte public key. May throw on a malformed key. */
export function verifySr25519(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  if (wasm.isReady()) return wasm.sr25519Verify(signature, message, publicKey);
  return sr25519Verify(message, signature, publicKey);
}
