import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HotkeyError,
  hotkeyFromMnemonic,
  hotkeyFromSecretFile,
  hotkeyFromSeed,
  hotkeyFromWalletFile,
  walletHotkeyPath,
} from '../src/identity/index.js';
import { MINER_ADDRESS, MINER_SEED, VECTOR_ADDRESS, VECTOR_MNEMONIC, VECTOR_SEED } from './support/testKeys.js';

let home: string;
const walletsDir = () => join(home, '.bittensor', 'wallets');

async function writeHotkeyFile(wallet: string, hotkey: string, contents: string | Uint8Array): Promise<string> {
  const dir = join(walletsDir(), wallet, 'hotkeys');
  await mkdir(dir, { recursive: true });
  const path = join(dir, hotkey);
  await writeFile(path, contents);
  return path;
}

/** Runs `load`, expects a HotkeyError, and returns its message for further checks. */
async function refusal(load: () => Promise<unknown>): Promise<string> {
  const error = await load().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HotkeyError);
  expect((error as Error).cause).toBeUndefined();
  return (error as Error).message;
}

function expectNoSecret(message: string): void {
  for (const secret of [VECTOR_MNEMONIC, 'leopard', 'caution', VECTOR_SEED.slice(2, 20), MINER_SEED.slice(2, 20)]) {
    expect(message).not.toContain(secret);
  }
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'taogate-hotkey-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('hotkey from a mnemonic or a seed string', () => {
  it('derives the PROTOCOLS.md wallet vector from its mnemonic', async () => {
    expect((await hotkeyFromMnemonic(VECTOR_MNEMONIC)).address).toBe(VECTOR_ADDRESS);
  });

  it('tolerates surrounding and repeated whitespace in a pasted phrase', async () => {
    const messy = `  ${VECTOR_MNEMONIC.split(' ').join('  \n')}\n`;
    expect((await hotkeyFromMnemonic(messy)).address).toBe(VECTOR_ADDRESS);
  });

  it('derives the same address from the mini-secret seed, with or without 0x', async () => {
    expect((await hotkeyFromSeed(VECTOR_SEED)).address).toBe(VECTOR_ADDRESS);
    expect((await hotkeyFromSeed(VECTOR_SEED.slice(2))).address).toBe(VECTOR_ADDRESS);
    expect((await hotkeyFromSeed(MINER_SEED)).address).toBe(MINER_ADDRESS);
  });

  it('refuses a phrase with a bad checksum without quoting it', async () => {
    const wrong = VECTOR_MNEMONIC.replace('review', 'abandon');
    const message = await refusal(() => hotkeyFromMnemonic(wrong));
    expect(message).toMatch(/not a valid BIP-39 phrase/);
    expectNoSecret(message);
  });

  it('refuses a seed of the wrong length without quoting it', async () => {
    const message = await refusal(() => hotkeyFromSeed(VECTOR_SEED.slice(0, -2)));
    expect(message).toBe('hotkey seed must be 32 bytes of hex: "0x" followed by 64 hex characters');
  });
});

describe('hotkey from a btwallet hotkey file', () => {
  it('loads a file with only secretPhrase (other fields null)', async () => {
    await writeHotkeyFile(
      'phrase',
      'default',
      JSON.stringify({ secretPhrase: VECTOR_MNEMONIC, secretSeed: null, privateKey: null, ss58Address: VECTOR_ADDRESS }),
    );
    const hotkey = await hotkeyFromWalletFile({ walletsDir: walletsDir(), wallet: 'phrase', hotkey: 'default' });
    expect(hotkey.address).toBe(VECTOR_ADDRESS);
  });

  it('loads a file with only secretSeed', async () => {
    await writeHotkeyFile('seed', 'miner', JSON.stringify({ secretSeed: MINER_SEED, ss58Address: MINER_ADDRESS }));
    const hotkey = await hotkeyFromWalletFile({ walletsDir: walletsDir(), wallet: 'seed', hotkey: 'miner' });
    expect(hotkey.address).toBe(MINER_ADDRESS);
  });

  it('prefers secretPhrase when both are present', async () => {
    // The seed belongs to a different key, so the address shows which field was used.
    await writeHotkeyFile('both', 'default', JSON.stringify({ secretPhrase: VECTOR_MNEMONIC, secretSeed: MINER_SEED }));
    const hotkey = await hotkeyFromWalletFile({ walletsDir: walletsDir(), wallet: 'both', hotkey: 'default' });
    expect(hotkey.address).toBe(VECTOR_ADDRESS);
  });

  it('expands ~ to the given home dir and defaults to ~/.bittensor/wallets/default/hotkeys/default', async () => {
    await writeHotkeyFile('default', 'default', JSON.stringify({ secretPhrase: VECTOR_MNEMONIC }));
    expect(walletHotkeyPath({ homeDir: home })).toBe(join(home, '.bittensor/wallets/default/hotkeys/default'));
    expect((await hotkeyFromWalletFile({ homeDir: home })).address).toBe(VECTOR_ADDRESS);
    const viaTilde = await hotkeyFromWalletFile({ walletsDir: '~/.bittensor/wallets', homeDir: home });
    expect(viaTilde.address).toBe(VECTOR_ADDRESS);
  });

  it('refuses a file whose ss58Address disagrees with its secret', async () => {
    await writeHotkeyFile('mismatch', 'default', JSON.stringify({ secretSeed: MINER_SEED, ss58Address: VECTOR_ADDRESS }));
    const message = await refusal(() =>
      hotkeyFromWalletFile({ walletsDir: walletsDir(), wallet: 'mismatch', hotkey: 'default' }),
    );
    expect(message).toContain(`derives address ${MINER_ADDRESS} but its "ss58Address" says ${VECTOR_ADDRESS}`);
    expectNoSecret(message);
  });

  it('refuses a file with neither secretPhrase nor secretSeed, naming both fields', async () => {
    const privateKey = `0x${'ab'.repeat(64)}`;
    const path = await writeHotkeyFile(
      'nosecret',
      'default',
      JSON.stringify({ accountId: '0x00', publicKey: '0x00', privateKey, secretPhrase: null, secretSeed: '' }),
    );
    const message = await refusal(() =>
      hotkeyFromWalletFile({ walletsDir: walletsDir(), wallet: 'nosecret', hotkey: 'default' }),
    );
    expect(message).toContain(`hotkey file ${path} has neither "secretPhrase" nor "secretSeed"`);
    expect(message).not.toContain('abab');
  });

  it('refuses broken JSON without echoing it (JSON.parse errors quote the input)', async () => {
    const truncated = `{"secretPhrase": "${VECTOR_MNEMONIC}", "secretSeed": "${VECTOR_SEED}`;
    await writeHotkeyFile('broken', 'default', truncated);
    const message = await refusal(() => hotkeyFromWalletFile({ walletsDir: walletsDir(), wallet: 'broken' }));
    expect(message).toMatch(/is not valid JSON/);
    expectNoSecret(message);
  });

  it('reports a missing file by path', async () => {
    const message = await refusal(() => hotkeyFromWalletFile({ walletsDir: walletsDir(), wallet: 'absent' }));
    expect(message).toBe(`cannot read hotkey file ${join(walletsDir(), 'absent/hotkeys/default')}: not found`);
  });

  it('refuses wallet or hotkey names that are not one path segment', async () => {
    await expect(hotkeyFromWalletFile({ walletsDir: walletsDir(), wallet: '../etc' })).rejects.toThrow(
      'invalid wallet name "../etc": must be a single path segment',
    );
    await expect(hotkeyFromWalletFile({ walletsDir: walletsDir(), hotkey: '..' })).rejects.toThrow(HotkeyError);
  });

  const encrypted: Array<[string, Uint8Array]> = [
    ['$NACL', Buffer.concat([Buffer.from('$NACL'), Buffer.from(VECTOR_SEED.slice(2), 'hex')])],
    ['$ANSIBLE_VAULT', Buffer.from(`$ANSIBLE_VAULT;1.1;AES256\n${VECTOR_SEED.slice(2)}\n`)],
    ['gAAAAA (Fernet)', Buffer.from(`gAAAAABl${Buffer.from(VECTOR_MNEMONIC).toString('base64')}`)],
  ];
  it.each(encrypted)('refuses an encrypted %s file and says how to provide the key instead', async (label, contents) => {
    const hotkeyName = `enc-${label.slice(0, 6).replace(/\W/g, '')}`;
    const path = await writeHotkeyFile('encrypted', hotkeyName, contents);
    for (const load of [
      () => hotkeyFromWalletFile({ walletsDir: walletsDir(), wallet: 'encrypted', hotkey: hotkeyName }),
      () => hotkeyFromSecretFile(path),
    ]) {
      const message = await refusal(load);
      expect(message).toContain(`hotkey file ${path} is encrypted`);
      expect(message).toContain("or give the gateway the hotkey's mnemonic or 0x-hex seed instead");
      expect(message).not.toContain(Buffer.from(contents).toString('latin1').slice(0, 24));
      expectNoSecret(message);
    }
  });
});

describe('hotkey from a secret file', () => {
  it('reads a mnemonic text file', async () => {
    const path = join(home, 'mnemonic.txt');
    await writeFile(path, `${VECTOR_MNEMONIC}\n`);
    expect((await hotkeyFromSecretFile(path)).address).toBe(VECTOR_ADDRESS);
  });

  it('reads a 0x-hex seed file', async () => {
    const path = join(home, 'seed.hex');
    await writeFile(path, `${MINER_SEED}\n`);
    expect((await hotkeyFromSecretFile(path)).address).toBe(MINER_ADDRESS);
  });

  it('reads a btwallet JSON file', async () => {
    const path = join(home, 'wallet.json');
    await writeFile(path, JSON.stringify({ secretSeed: VECTOR_SEED }));
    expect((await hotkeyFromSecretFile(path)).address).toBe(VECTOR_ADDRESS);
  });

  it('refuses anything else without quoting it', async () => {
    const path = join(home, 'junk.txt');
    await writeFile(path, 'leopard caution');
    const message = await refusal(() => hotkeyFromSecretFile(path));
    expect(message).toBe(
      `secret file ${path} holds neither a wallet JSON keyfile, a 0x-hex 32-byte seed, nor a 12-24 word mnemonic`,
    );
  });

  it('names the file when its mnemonic is invalid, without quoting it', async () => {
    const path = join(home, 'bad-mnemonic.txt');
    await writeFile(path, VECTOR_MNEMONIC.replace('review', 'abandon'));
    const message = await refusal(() => hotkeyFromSecretFile(path));
    expect(message).toMatch(new RegExp(`^mnemonic in ${path}: hotkey mnemonic is not a valid BIP-39 phrase`));
    expectNoSecret(message);
  });
});
