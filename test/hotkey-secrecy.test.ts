import { inspect } from 'node:util';
import { mnemonicToMiniSecret, sr25519PairFromSeed } from '@polkadot/util-crypto';
import { describe, expect, it } from 'vitest';
import { hotkeyFromMnemonic } from '../src/identity/index.js';
import { VECTOR_ADDRESS, VECTOR_MNEMONIC, VECTOR_SEED } from './support/testKeys.js';

const secretKeyHex = Buffer.from(sr25519PairFromSeed(mnemonicToMiniSecret(VECTOR_MNEMONIC)).secretKey).toString('hex');
const secrets = [VECTOR_MNEMONIC, 'leopard', VECTOR_SEED.slice(2), secretKeyHex, secretKeyHex.slice(0, 64), secretKeyHex.slice(64)];

function expectNoSecret(text: string): void {
  for (const secret of secrets) expect(text).not.toContain(secret);
}

describe('a loaded hotkey does not reveal its secret', () => {
  it('serialises to its address only', async () => {
    const hotkey = await hotkeyFromMnemonic(VECTOR_MNEMONIC);
    expect(JSON.stringify(hotkey)).toBe(`{"address":"${VECTOR_ADDRESS}"}`);
    expect(JSON.stringify({ nested: [hotkey] })).toBe(`{"nested":[{"address":"${VECTOR_ADDRESS}"}]}`);
  });

  it('prints as Hotkey(<address>) with String(), templates and util.inspect', async () => {
    const hotkey = await hotkeyFromMnemonic(VECTOR_MNEMONIC);
    const expected = `Hotkey(${VECTOR_ADDRESS})`;
    expect(String(hotkey)).toBe(expected);
    expect(`${hotkey}`).toBe(expected);
    expect(inspect(hotkey)).toBe(expected);
    for (const text of [
      inspect(hotkey, { showHidden: true, depth: Infinity, customInspect: false, getters: true }),
      inspect({ hotkey }, { showHidden: true, depth: Infinity }),
    ]) {
      expectNoSecret(text);
    }
  });

  it('enumerates only public fields and cannot be modified', async () => {
    const hotkey = await hotkeyFromMnemonic(VECTOR_MNEMONIC);
    expect(Object.keys(hotkey)).toEqual(['address', 'publicKey']);
    const all = Reflect.ownKeys(hotkey).map((key) => {
      const value: unknown = (hotkey as unknown as Record<PropertyKey, unknown>)[key];
      return value instanceof Uint8Array ? Buffer.from(value).toString('hex') : String(value);
    });
    expectNoSecret(all.join('\n'));
    expect(Object.isFrozen(hotkey)).toBe(true);
    expect(() => {
      (hotkey as unknown as { address: string }).address = 'x';
    }).toThrow(TypeError);
  });

  it('hands out copies of its public key', async () => {
    const hotkey = await hotkeyFromMnemonic(VECTOR_MNEMONIC);
    const copy = hotkey.publicKey;
    copy.fill(0);
    expect(hotkey.publicKey).toHaveLength(32);
    expect(hotkey.publicKey.some((byte) => byte !== 0)).toBe(true);
  });
});
