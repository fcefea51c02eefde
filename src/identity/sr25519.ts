/**
 * The one place that chooses how sr25519 is computed.
 *
 * Measured with `node bench/sr25519.mjs` (see the bench for numbers): the schnorrkel WASM build
 * in `@polkadot/wasm-crypto` signs and verifies about 7x faster than the pure-JS
 * implementations (`@scure/sr25519`, which is also what `@polkadot/util-crypto@14`'s
 * `sr25519Sign`/`sr25519Verify` run under the hood). It is also the Rust schnorrkel code that
 * Python miners (substrate-interface / py-sr25519-bindings) use, so it is the reference
 * behaviour. The WASM module needs an asynchronous start, so until `initSr25519()` has resolved
 * (or if WASM cannot start at all) every call falls back to the pure-JS implementation, which
 * produces and accepts the same signatures, only slower.
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

/** Verifies a 64-byte signature against a 32-byte public key. Throws on malformed input. */
export function verifySr25519(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  if (wasm.isReady()) return wasm.sr25519Verify(signature, message, publicKey);
  return sr25519Verify(message, signature, publicKey);
}
