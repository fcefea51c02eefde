/**
 * Public test keys. The first is the wallet vector of PROTOCOLS.md §5; the others are
 * fixed-byte seeds. Addresses were derived independently with @polkadot/keyring
 * (`addFromUri` / `addFromSeed`, sr25519, ss58 prefix 42).
 */
export const VECTOR_MNEMONIC = 'old leopard transfer rib spatial phone calm indicate online fire caution review';
/** Substrate mini-secret of VECTOR_MNEMONIC: what btwallet stores as `secretSeed`. */
export const VECTOR_SEED = '0xda3cf5b1e9144931a0f0db65664aab662673b099415a7f8121b7245fb0be4143';
export const VECTOR_ADDRESS = '5HDvhV6WDCjCKyrXqGQSDYqQAzkzabNhctmiDYEqgBC66BsX';

/** Seed 0x11 x 32: plays a miner in the protocol tests. */
export const MINER_SEED = `0x${'11'.repeat(32)}`;
export const MINER_ADDRESS = '5DtDLm5rQHShDqojQpsvcN8tRXHVFaecfDoRet1SU6BFD9Fi';

/** Seed 0x22 x 32: a signer nobody allows. */
export const STRANGER_SEED = `0x${'22'.repeat(32)}`;
export const STRANGER_ADDRESS = '5Fpfx4iDtrrY99VGkQnLXASytC2y9Z3o8KUyTtD4w7o5SZcA';
