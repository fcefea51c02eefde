/**
 * Loads the gateway's hotkey from files: a Bittensor wallet hotkey file (JSON written by
 * btwallet/btcli) or a plain secret file holding a mnemonic or a hex seed.
 *
 * Errors name the file but never quote its contents: a wallet file is one big secret, and a
 * JSON.parse error message would echo part of it, so parse errors are replaced, not wrapped.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { HotkeyError, hotkeyFromMnemonic, hotkeyFromSeed } from './hotkey.js';
import type { Hotkey } from './types.js';

/** Where btcli keeps wallets unless told otherwise. */
export const DEFAULT_WALLETS_DIR = '~/.bittensor/wallets';

/** Hotkey files are a few hundred bytes; anything far larger is not one. */
const MAX_SECRET_FILE_BYTES = 64 * 1024;

/** Prefixes btwallet writes for encrypted keyfiles: NaCl secretbox, ansible-vault, legacy Fernet. */
const ENCRYPTED_PREFIXES = ['$NACL', '$ANSIBLE_VAULT', 'gAAAAA'] as const;

const HEX_SEED = /^(?:0x)?[0-9a-fA-F]{64}$/;

/** Which wallet hotkey to load; names follow btcli (`--wallet.name`, `--wallet.hotkey`). */
export interface WalletFileOptions {
  /** Wallets directory; a leading `~` expands to `homeDir`. Default `~/.bittensor/wallets`. */
  walletsDir?: string;
  /** Wallet (coldkey) name. Default `default`. */
  wallet?: string;
  /** Hotkey name. Default `default`. */
  hotkey?: string;
  /** Home directory for `~` expansion. Default: the OS user's home directory. */
  homeDir?: string;
}

/** Path of a wallet's hotkey file: `<walletsDir>/<wallet>/hotkeys/<hotkey>`, `~` expanded. */
export function walletHotkeyPath(options: WalletFileOptions): string {
  const wallet = options.wallet ?? 'default';
  const hotkey = options.hotkey ?? 'default';
  for (const [what, name] of [['wallet', wallet], ['hotkey', hotkey]] as const) {
    // Names are single path segments in btcli; refusing separators keeps config typos from
    // reading some other file.
    if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
      throw new HotkeyError(`invalid ${what} name ${JSON.stringify(name)}: must be a single path segment`);
    }
  }
  const dir = expandHome(options.walletsDir ?? DEFAULT_WALLETS_DIR, options.homeDir ?? homedir());
  return join(resolve(dir), wallet, 'hotkeys', hotkey);
}

/** Loads `<walletsDir>/<wallet>/hotkeys/<hotkey>` (btwallet JSON, unencrypted). */
export async function hotkeyFromWalletFile(options: WalletFileOptions): Promise<Hotkey> {
  const path = walletHotkeyPath(options);
  const text = await readSecretFile(path);
  return hotkeyFromWalletJson(text, path);
}

/**
 * Loads a hotkey from a file that holds either a btwallet JSON keyfile, a 32-byte seed as
 * hex (`0x` optional) or a BIP-39 mnemonic. Surrounding whitespace is ignored.
 */
export async function hotkeyFromSecretFile(path: string): Promise<Hotkey> {
  const text = (await readSecretFile(path)).trim();
  if (text.startsWith('{')) return hotkeyFromWalletJson(text, path);
  if (HEX_SEED.test(text)) return withFileContext(path, 'seed', hotkeyFromSeed(text));
  if (/^\S+(?:\s+\S+){11,23}$/.test(text)) {
    return withFileContext(path, 'mnemonic', hotkeyFromMnemonic(text));
  }
  throw new HotkeyError(
    `secret file ${path} holds neither a wallet JSON keyfile, a 0x-hex 32-byte seed, nor a 12-24 word mnemonic`,
  );
}

function expandHome(dir: string, homeDir: string): string {
  if (dir === '~') return homeDir;
  if (dir.startsWith('~/') || dir.startsWith('~\\')) return join(homeDir, dir.slice(2));
  return dir;
}

/** Reads a key file, refusing encrypted ones; I/O errors are reported by code and path only. */
async function readSecretFile(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    const reason = code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'permission denied' : code;
    throw new HotkeyError(`cannot read hotkey file ${path}: ${reason}`);
  }
  try {
    if (bytes.length > MAX_SECRET_FILE_BYTES) {
      throw new HotkeyError(`hotkey file ${path} is ${bytes.length} bytes, too large to be a key file`);
    }
    const head = bytes.subarray(0, 32).toString('latin1').trimStart();
    if (ENCRYPTED_PREFIXES.some((prefix) => head.startsWith(prefix))) {
      throw new HotkeyError(
        `hotkey file ${path} is encrypted, and the gateway cannot ask for its password. ` +
          'Provide an unencrypted hotkey file (btcli creates hotkeys unencrypted unless asked), ' +
          "or give the gateway the hotkey's mnemonic or 0x-hex seed instead.",
      );
    }
    return bytes.toString('utf8');
  } finally {
    bytes.fill(0);
  }
}

async function hotkeyFromWalletJson(text: string, path: string): Promise<Hotkey> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // Deliberately drop the SyntaxError: its message quotes the file's contents.
    throw new HotkeyError(`hotkey file ${path} is not valid JSON (nor an encrypted keyfile)`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new HotkeyError(`hotkey file ${path} is not a JSON object`);
  }
  const fields = data as Record<string, unknown>;
  const phrase = nonEmptyString(fields.secretPhrase);
  const seed = nonEmptyString(fields.secretSeed);
  let hotkey: Hotkey;
  if (phrase !== undefined) hotkey = await withFileContext(path, 'secretPhrase', hotkeyFromMnemonic(phrase));
  else if (seed !== undefined) hotkey = await withFileContext(path, 'secretSeed', hotkeyFromSeed(seed));
  else {
    // privateKey is stored in schnorrkel's ed25519-style encoding (scalar not yet multiplied
    // by 8, see PROTOCOLS.md §5); polkadot-js would silently derive a different key from it.
    throw new HotkeyError(
      `hotkey file ${path} has neither "secretPhrase" nor "secretSeed" (its "privateKey" form is not supported); ` +
        "regenerate the hotkey file with btcli, or give the gateway the hotkey's mnemonic or 0x-hex seed instead",
    );
  }
  const declared = nonEmptyString(fields.ss58Address);
  if (declared !== undefined && declared !== hotkey.address) {
    throw new HotkeyError(
      `hotkey file ${path} derives address ${hotkey.address} but its "ss58Address" says ${declared}`,
    );
  }
  return hotkey;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** Prefixes a loader's (already secret-free) error with the file and field it came from. */
async function withFileContext(path: string, field: string, loading: Promise<Hotkey>): Promise<Hotkey> {
  try {
    return await loading;
  } catch (error) {
    if (error instanceof HotkeyError) throw new HotkeyError(`${field} in ${path}: ${error.message}`);
    throw new HotkeyError(`${field} in ${path} could not be loaded`);
  }
}
