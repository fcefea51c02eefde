import { Keyring } from '@polkadot/keyring';
import { mnemonicToMiniSecret, signatureVerify, sr25519PairFromSeed, sr25519Sign, sr25519Verify } from '@polkadot/util-crypto';
import * as scure from '@scure/sr25519';
import { beforeAll, describe, expect, it } from 'vitest';
import { hotkeyFromMnemonic, initSr25519, sr25519Backend, verifySignature, type Hotkey } from '../src/identity/index.js';
import { MINER_ADDRESS, VECTOR_ADDRESS, VECTOR_MNEMONIC } from './support/testKeys.js';

// A typical Epistula message: sha256 hex . uuid . ms timestamp . ss58.
const message = new TextEncoder().encode(
  `${'ab'.repeat(32)}.0d7e4bb7-5c8a-4b1e-9d0a-6d2f1f0e8c11.1764000000000.${MINER_ADDRESS}`,
);
const pair = sr25519PairFromSeed(mnemonicToMiniSecret(VECTOR_MNEMONIC));
let hotkey: Hotkey;

beforeAll(async () => {
  hotkey = await hotkeyFromMnemonic(VECTOR_MNEMONIC);
});

describe('sr25519 signatures interoperate across implementations', () => {
  it('runs on the WASM backend once initialised', async () => {
    expect(await initSr25519()).toBe('wasm');
    expect(sr25519Backend()).toBe('wasm');
  });

  it('produces 64-byte signatures that @scure/sr25519, util-crypto and keyring-style verification accept', () => {
    const signature = hotkey.sign(message);
    expect(signature).toBeInstanceOf(Uint8Array);
    expect(signature).toHaveLength(64);
    expect(scure.verify(message, signature, pair.publicKey)).toBe(true);
    expect(sr25519Verify(message, signature, pair.publicKey)).toBe(true);
    expect(signatureVerify(message, signature, VECTOR_ADDRESS).isValid).toBe(true);
  });

  it('accepts signatures made by @scure/sr25519, util-crypto and a keyring pair', () => {
    const keyringPair = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(VECTOR_MNEMONIC);
    expect(keyringPair.address).toBe(VECTOR_ADDRESS);
    for (const signature of [scure.sign(pair.secretKey, message), sr25519Sign(message, pair), keyringPair.sign(message)]) {
      expect(verifySignature(message, signature, VECTOR_ADDRESS)).toBe(true);
    }
  });

  it('signs randomised (schnorrkel) yet always verifiably', () => {
    const a = hotkey.sign(message);
    const b = hotkey.sign(message);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect(verifySignature(message, b, VECTOR_ADDRESS)).toBe(true);
  });

  it('rejects a signature over other bytes, by another key, or against another address', () => {
    const signature = hotkey.sign(message);
    const tampered = message.slice();
    tampered[0] = (tampered[0] ?? 0) ^ 1;
    expect(verifySignature(tampered, signature, VECTOR_ADDRESS)).toBe(false);
    expect(verifySignature(message, signature, MINER_ADDRESS)).toBe(false);
    const flipped = signature.slice();
    flipped[10] = (flipped[10] ?? 0) ^ 0x40;
    expect(verifySignature(message, flipped, VECTOR_ADDRESS)).toBe(false);
  });

  it('returns false, never throws, on garbage input', () => {
    const signature = hotkey.sign(message);
    const garbage: Array<[unknown, unknown, unknown]> = [
      [message, new Uint8Array(64), VECTOR_ADDRESS],
      [message, new Uint8Array(64).fill(0xff), VECTOR_ADDRESS],
      [message, signature.slice(0, 63), VECTOR_ADDRESS],
      [message, new Uint8Array(65), VECTOR_ADDRESS],
      [message, signature, 'not-an-address'],
      [message, signature, `${VECTOR_ADDRESS.slice(0, -1)}Y`],
      [message, signature, `0x${Buffer.from(pair.publicKey).toString('hex')}`],
      [message, signature, ''],
      [message, signature, undefined],
      [message, 'signature', VECTOR_ADDRESS],
      ['message', signature, VECTOR_ADDRESS],
      [null, null, null],
    ];
    for (const [m, s, a] of garbage) {
      expect(verifySignature(m as Uint8Array, s as Uint8Array, a as string)).toBe(false);
    }
  });
});
