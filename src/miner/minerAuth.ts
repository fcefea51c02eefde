import type { IncomingMessage } from 'node:http';
import { verifyEpistula, EPISTULA_MAX_AGE_MS } from '../protocols/epistula.js';
import { verifyAxon, type NonceStore } from '../protocols/axon.js';
import { ReplayCache } from '../protocols/replayCache.js';
import type { SignerPolicy } from './signerPolicy.js';

/** Who the miner is and whom it serves. */
export interface MinerAuthOptions {
  /** The miner's own ss58 hotkey (requests must be signed for it). */
  hotkey: string;
  /** Allow-list or stake check of the (verified) signer. */
  isAllowedSigner: SignerPolicy;
  /** Epistula freshness window, both ways. Default 8000 (SN1's). */
  maxAgeMs?: number;
  /** Clock, for tests of skew. Default Date.now. */
  now?: () => number;
}

/** A refused request: the status real miners answer with, and a message for the caller. */
export interface Rejection {
  status: number;
  message: string;
}

/*
 * Statuses, as real miners answer (PROTOCOLS.md §2, §3). Epistula (OpenAI endpoints):
 *
 * | check                                              | status |
 * |----------------------------------------------------|--------|
 * | header missing/malformed, version != 2             | 400    |
 * | Epistula-Signed-For is not this miner's hotkey     | 400    |
 * | timestamp older (or further ahead) than max age    | 400    |
 * | signature does not match the body                  | 400    |
 * | signer not allowed (allow-list / stake)            | 401    |
 * | uuid already accepted within the window (replay)   | 409    |
 *
 * Axon synapse: signer not allowed 403; nonce stale or reused, bad signature 401; body hash
 * mismatch 500; unknown synapse 404.
 */

/** Epistula and axon verification with one replay cache and one nonce store per miner. */
export class MinerAuth {
  readonly hotkey: string;
  readonly #options: MinerAuthOptions;
  readonly #replays = new ReplayCache();
  readonly #nonces: NonceStore = new BoundedNonceStore();

  constructor(options: MinerAuthOptions) {
    this.hotkey = options.hotkey;
    this.#options = options;
  }

  /** Checks an Epistula-signed request over its raw body; null when accepted. */
  epistula(req: IncomingMessage, body: Buffer): Rejection | null {
    const verdict = verifyEpistula({
      headers: req.headers,
      body,
      ownHotkey: this.hotkey,
      nowMs: this.#now(),
      maxAgeMs: this.#options.maxAgeMs ?? EPISTULA_MAX_AGE_MS,
      isAllowedSigner: this.#options.isAllowedSigner,
      replayCache: this.#replays,
    });
    return verdict.ok ? null : { status: verdict.status, message: verdict.message };
  }

  /** Checks a synapse request (headers, then its parsed body's hash); null when accepted. */
  axon(req: IncomingMessage, synapse: Record<string, unknown>, requiredHashFields: readonly string[]): Rejection | null {
    const verdict = verifyAxon({
      headers: req.headers,
      body: synapse,
      ownHotkey: this.hotkey,
      requiredHashFields,
      nowNs: BigInt(this.#now()) * 1_000_000n,
      isAllowedSigner: this.#options.isAllowedSigner,
      lastNonceStore: this.#nonces,
    });
    return verdict.ok ? null : { status: verdict.status, message: verdict.message };
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}

/** Last nonce per (hotkey, uuid); dendrites restart with new uuids, so old entries are dropped. */
class BoundedNonceStore implements NonceStore {
  readonly #map = new Map<string, bigint>();
  readonly #limit = 10_000;

  get(key: string): bigint | undefined {
    return this.#map.get(key);
  }

  set(key: string, nonce: bigint): void {
    this.#map.delete(key);
    this.#map.set(key, nonce);
    if (this.#map.size > this.#limit) this.#map.delete(this.#map.keys().next().value!);
  }
}
