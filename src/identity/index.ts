/** The gateway's sr25519 identity: loading its hotkey, signing, and checking others' signatures. */
export type { Hotkey, Signer } from './types.js';
export { HotkeyError, SS58_PREFIX, hotkeyFromMnemonic, hotkeyFromSeed } from './hotkey.js';
export {
  DEFAULT_WALLETS_DIR,
  hotkeyFromSecretFile,
  hotkeyFromWalletFile,
  walletHotkeyPath,
  type WalletFileOptions,
} from './walletFile.js';
export { addressOfPublicKey, isValidAddress, publicKeyOfAddress, verifySignature } from './verify.js';
export { initSr25519, sr25519Backend, type Sr25519Backend } from './sr25519.js';
