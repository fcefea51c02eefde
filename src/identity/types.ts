/** Anything that can sign a request as a Bittensor hotkey (the gateway's `Hotkey`, or a test double). */
export interface Signer {
  /** ss58 address (prefix 42) of the signing hotkey. */
  readonly address: string;
  /** sr25519 signature (64 bytes, "substrate" signing context) of `message`. */
  sign(message: Uint8Array): Uint8Array;
}

/**
 * The gateway's hotkey. The secret key is held in a closure: it is not a property, so
 * `JSON.stringify`, `util.inspect`, `String()` and property enumeration cannot reach it.
 */
export interface Hotkey extends Signer {
  /** 32-byte sr25519 public key (a fresh copy on every read). */
  readonly publicKey: Uint8Array;
  /** Only the public part: `{ address }`. */
  toJSON(): { address: string };
}
