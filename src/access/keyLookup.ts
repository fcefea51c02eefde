import type { StoredKey } from './apiKeys.js';

/** Returned when the key store cannot be asked right now (Redis down). */
export const UNAVAILABLE = Symbol('unavailable');

/** Finds keys kept outside the config (in Redis) by their hash. */
export interface KeyLookup {
  find(sha256: string): Promise<StoredKey | undefined | typeof UNAVAILABLE>;
}
