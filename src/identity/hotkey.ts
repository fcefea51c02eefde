/**
 * Builds the gateway's `Hotkey` from a mnemonic or a 32-byte seed. Secrets live only in the
 * closure of the returned object; every error message here is written so that it can be logged:
 * it never quotes the input.
 */
import { encodeAddress, mnemonicToMiniSecret, mnemonicValidate } from '@polkadot/util-crypto';
import { initSr25519, pairFromMiniSecret, signSr25519 } from './sr25519.js';
import type { Hotkey } from './types.js';

/** Bittensor addresses use the generic Substrate ss58 prefix. */
export const SS58_PREFIX = 42;

/** A failure to load the hotkey. The message never contains secret material. */
export class HotkeyError extends Error {
  override readonly name = 'HotkeyError';
}

const SEED_HEX = /^(?:0x)?([0-9a-fA-F]{64})$/;

/** Wraps a key pair derived from `miniSecret`; wipes `miniSecret` afterwards. */
function createHotkey(miniSecret: Uint8Array): Hotkey {
  const pair = pairFromMiniSecret(miniSecret);
  miniSecret.fill(0);
  const publicKey = pair.publicKey.slice();
  const address = encodeAddress(publicKey, SS58_PREFIX);
  const describe = (): string => `Hotkey(${address})`;

  const hotkey = {
    address,
    get publicKey(): Uint8Array {
      return publicKey.slice();
    },
    sign(message: Uint8Array): Uint8Array {
      if (!(message instanceof Uint8Array)) throw new TypeError('Hotkey.sign expects a Uint8Array');
      return signSr25519(pair, message);
    },
    toJSON: () => ({ address }),
    toString: describe,
    [Symbol.for('nodejs.util.inspect.custom')]: describe,
  };
  // Methods are not data: keep `Object.keys` / spreading down to the public fields.
  for (const key of ['sign', 'toJSON', 'toString'] as const) {
    Object.defineProperty(hotkey, key, { enumerable: false });
  }
  return Object.freeze(hotkey);
}

/** Normalises whitespace so a phrase pasted with line breaks or double spaces still loads. */
function normalisePhrase(phrase: string): string {
  return phrase.trim().split(/\s+/).join(' ');
}

/**
 * Loads a hotkey from a BIP-39 mnemonic, derived exactly as `keyring.addFromUri(phrase)` and
 * btwallet do (Substrate mini-secret, no password, no derivation path).
 */
export async function hotkeyFromMnemonic(phrase: string): Promise<Hotkey> {
  if (typeof phrase !== 'string') throw new HotkeyError('hotkey mnemonic must be a string');
  await initSr25519();
  const normalised = normalisePhrase(phrase);
  // Validate first: mnemonicToMiniSecret's own error is fine today, but we do not want a future
  // version's message (which could quote words) to reach our logs.
  if (!mnemonicValidate(normalised)) {
    throw new HotkeyError(
      'hotkey mnemonic is not a valid BIP-39 phrase (expected 12-24 English words with a valid checksum)',
    );
  }
  return createHotkey(mnemonicToMiniSecret(normalised));
}

/** Loads a hotkey from a 32-byte seed given as 64 hex characters, `0x` optional (btwallet's `secretSeed`). */
export async function hotkeyFromSeed(hex: string): Promise<Hotkey> {
  if (typeof hex !== 'string') throw new HotkeyError('hotkey seed must be a string');
  await initSr25519();
  const match = SEED_HEX.exec(hex.trim());
  if (!match?.[1]) {
    throw new HotkeyError('hotkey seed must be 32 bytes of hex: "0x" followed by 64 hex characters');
  }
  return createHotkey(Buffer.from(match[1], 'hex'));
}
